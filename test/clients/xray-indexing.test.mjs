// Indexing rules and the trace segment destination with the real AWS SDK for JavaScript v3: the Default rule, X-Ray's errors,
// authorization as X-Ray's actions; and what the rule means here: OpenTelemetry traces sent over OTLP/HTTP (JSON, to OTLP_URL)
// while a percentage is in force get trace summaries by their trace id, every span stays readable with BatchGetTraces, and
// X-Ray segments are always indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  XRayClient, GetIndexingRulesCommand, UpdateIndexingRuleCommand, GetTraceSegmentDestinationCommand, UpdateTraceSegmentDestinationCommand,
  GetTraceSummariesCommand, BatchGetTracesCommand, PutTraceSegmentsCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection } from './support.mjs';

const xray = new XRayClient(clientConfig());
const otlpUrl = process.env.OTLP_URL;
assert.ok(otlpUrl, 'OTLP_URL names the server\'s OTLP/HTTP endpoint');
const startTime = new Date(Date.now() - 120_000);
const endTime = () => new Date(Date.now() + 120_000);

function assertError(error, name, status, pattern) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status);
  if (pattern) {
    assert.match(error.message, pattern);
  }
}

const setPercentage = (percentage) => xray.send(new UpdateIndexingRuleCommand({ Name: 'Default', Rule: { Probabilistic: { DesiredSamplingPercentage: percentage } } }));

/** A fixed W3C trace id (32 hex digits) per label: the first 16 bytes of SHA-256(label). */
const traceIdOf = (label) => createHash('sha256').update(label).digest('hex').slice(0, 32);
const xrayId = (hex) => `1-${hex.slice(0, 8)}-${hex.slice(8)}`;

/** The decision the README states: the id's low 56 bits, as a number, below percentage / 100 × 2^56. */
const indexedAt = (hex, percentage) => BigInt(`0x${hex.slice(-14)}`) < BigInt(Math.floor((percentage / 100) * 2 ** 56));

/** Sends one SERVER span per trace id of service `service` over OTLP/HTTP JSON; the 200 answer means they are stored. */
async function sendSpans(service, traceIds) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: 'indexing-test' },
        spans: traceIds.map((traceId) => ({
          traceId, spanId: randomBytes(8).toString('hex'), name: 'GET /checkout', kind: 2,
          startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now),
          attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
        })),
      }],
    }],
  };
  const response = await fetch(otlpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.text();
  assert.equal(response.status, 200, answer);
  assert.ok(!answer.includes('rejectedSpans'), answer);
}

/** The ids of every summary GetTraceSummaries gives for traces of `service`, every page read. */
async function summarized(service) {
  const ids = [];
  let NextToken;
  do {
    const page = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: `service("${service}")`, NextToken }));
    ids.push(...(page.TraceSummaries ?? []).map((s) => s.Id));
    NextToken = page.NextToken;
  } while (NextToken);
  return new Set(ids);
}

/** The ids BatchGetTraces finds among `ids`, five at a time. */
async function readable(ids) {
  const found = [];
  for (let i = 0; i < ids.length; i += 5) {
    const { Traces, UnprocessedTraceIds } = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(i, i + 5) }));
    assert.deepEqual(UnprocessedTraceIds ?? [], []);
    found.push(...Traces.filter((t) => t.Segments.length > 0).map((t) => t.Id));
  }
  return new Set(found);
}

test('every account has the Default rule, indexing 100% until it is changed', async () => {
  const { IndexingRules, NextToken } = await xray.send(new GetIndexingRulesCommand({}));
  assert.equal(NextToken, undefined);
  assert.deepEqual(IndexingRules, [{
    Name: 'Default', ModifiedAt: new Date(0), Rule: { Probabilistic: { DesiredSamplingPercentage: 100, ActualSamplingPercentage: 100 } },
  }]);
});

test('UpdateIndexingRule sets the Default rule\'s percentage and ModifiedAt; GetIndexingRules reads it back', async () => {
  const before = Date.now();
  const { IndexingRule } = await setPercentage(12.5);
  assert.equal(IndexingRule.Name, 'Default');
  assert.deepEqual(IndexingRule.Rule, { Probabilistic: { DesiredSamplingPercentage: 12.5, ActualSamplingPercentage: 12.5 } });
  assert.ok(IndexingRule.ModifiedAt.getTime() >= before - 1000 && IndexingRule.ModifiedAt.getTime() <= Date.now() + 1000, `ModifiedAt ${IndexingRule.ModifiedAt}`);
  const { IndexingRules } = await xray.send(new GetIndexingRulesCommand({}));
  assert.deepEqual(IndexingRules, [IndexingRule]);
  await setPercentage(100);
});

test('X-Ray\'s errors: an unknown rule is ResourceNotFoundException, a percentage outside 0..100 InvalidRequestException', async () => {
  assertError(await rejection(() => xray.send(new UpdateIndexingRuleCommand({ Name: 'Checkout', Rule: { Probabilistic: { DesiredSamplingPercentage: 5 } } }))),
    'ResourceNotFoundException', 404, /no indexing rule named 'Checkout'/);
  for (const percentage of [100.5, -1]) {
    assertError(await rejection(() => setPercentage(percentage)), 'InvalidRequestException', 400, /DesiredSamplingPercentage must be a number from 0 to 100/);
  }
  assertError(await rejection(() => xray.send(new GetIndexingRulesCommand({ NextToken: 'page-2' }))), 'InvalidRequestException', 400, /NextToken is not valid/);
  const { IndexingRules } = await xray.send(new GetIndexingRulesCommand({}));
  assert.equal(IndexingRules[0].Rule.Probabilistic.DesiredSamplingPercentage, 100, 'a refused update changes nothing');
});

test('the trace segment destination is XRay, ACTIVE; CloudWatchLogs is refused with the reason', async () => {
  assert.deepEqual(pick(await xray.send(new GetTraceSegmentDestinationCommand({}))), { Destination: 'XRay', Status: 'ACTIVE' });
  assert.deepEqual(pick(await xray.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'XRay' }))), { Destination: 'XRay', Status: 'ACTIVE' });
  assertError(await rejection(() => xray.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'CloudWatchLogs' }))),
    'InvalidRequestException', 400, /Tracevault keeps every segment and span itself/);
  assertError(await rejection(() => xray.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'S3' }))), 'InvalidRequestException', 400, /not one of XRay, CloudWatchLogs/);
  assert.deepEqual(pick(await xray.send(new GetTraceSegmentDestinationCommand({}))), { Destination: 'XRay', Status: 'ACTIVE' });

  function pick({ Destination, Status }) {
    return { Destination, Status };
  }
});

test('authorization is by X-Ray\'s actions: a reader of the settings cannot change them, a stranger cannot read them', async () => {
  const viewer = new XRayClient(clientConfig({ credentials: credentialsFromEnv('VIEWER') }));
  await viewer.send(new GetIndexingRulesCommand({}));
  await viewer.send(new GetTraceSegmentDestinationCommand({}));
  assertError(await rejection(() => viewer.send(new UpdateIndexingRuleCommand({ Name: 'Default', Rule: { Probabilistic: { DesiredSamplingPercentage: 0 } } }))),
    'AccessDeniedException', 403, /xray:UpdateIndexingRule/);
  assertError(await rejection(() => viewer.send(new UpdateTraceSegmentDestinationCommand({ Destination: 'XRay' }))), 'AccessDeniedException', 403, /xray:UpdateTraceSegmentDestination/);

  const stranger = new XRayClient(clientConfig({ credentials: credentialsFromEnv('STRANGER') }));
  assertError(await rejection(() => stranger.send(new GetIndexingRulesCommand({}))), 'AccessDeniedException', 403, /xray:GetIndexingRules/);
  assertError(await rejection(() => stranger.send(new GetTraceSegmentDestinationCommand({}))), 'AccessDeniedException', 403, /xray:GetTraceSegmentDestination/);
  const { IndexingRules } = await xray.send(new GetIndexingRulesCommand({}));
  assert.equal(IndexingRules[0].Rule.Probabilistic.DesiredSamplingPercentage, 100);
});

test('at 0% OpenTelemetry traces get no summaries but every span is read by id; X-Ray segments are still indexed', async () => {
  await setPercentage(0);
  const ids = Array.from({ length: 10 }, (_, i) => traceIdOf(`none-${i}`));
  await sendSpans('indexing-none', ids);
  const segmentTrace = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const now = Date.now() / 1000;
  const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({
    TraceSegmentDocuments: [JSON.stringify({ trace_id: segmentTrace, id: randomBytes(8).toString('hex'), name: 'indexing-none', start_time: now - 0.01, end_time: now })],
  }));
  assert.deepEqual(UnprocessedTraceSegments, []);

  assert.deepEqual([...await summarized('indexing-none')], [segmentTrace]);
  assert.deepEqual(await readable(ids.map(xrayId)), new Set(ids.map(xrayId)));
  await setPercentage(100);
});

test('at 100% every OpenTelemetry trace gets a summary', async () => {
  await setPercentage(100);
  const ids = Array.from({ length: 10 }, (_, i) => traceIdOf(`all-${i}`));
  await sendSpans('indexing-all', ids);

  assert.deepEqual(await summarized('indexing-all'), new Set(ids.map(xrayId)));
});

test('at 50% exactly the traces whose ids the rule picks, about half of 200, get summaries; all 200 stay readable', async () => {
  await setPercentage(50);
  const ids = Array.from({ length: 200 }, (_, i) => traceIdOf(`indexing-${i}`));
  for (let i = 0; i < ids.length; i += 50) {
    await sendSpans('indexing-half', ids.slice(i, i + 50));
  }
  const expected = new Set(ids.filter((id) => indexedAt(id, 50)).map(xrayId));
  assert.ok(expected.size >= 80 && expected.size <= 120, `${expected.size} of 200 ids picked at 50%`);

  assert.deepEqual(await summarized('indexing-half'), expected);
  const notIndexed = ids.map(xrayId).filter((id) => !expected.has(id)).slice(0, 10);
  assert.deepEqual(await readable(notIndexed), new Set(notIndexed));
  await setPercentage(100);
});
