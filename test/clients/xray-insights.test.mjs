// X-Ray insights with the real AWS SDK for JavaScript v3, in phases the .NET test runs between moves of the server's clock:
// "rise" creates a group with insights enabled and sends ten minutes of steady traffic (one fault in 30 requests, in the
// downstream service) then a minute in which that service faults 15 times in 30; "opened" finds the ACTIVE insight naming it as
// the root cause, reads it, its events and impact graph, checks X-Ray's errors and authorization, and sends two normal minutes;
// "closed" finds the insight CLOSED where the rate returned to its baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, CreateGroupCommand, PutTraceSegmentsCommand, GetInsightSummariesCommand, GetInsightCommand,
  GetInsightEventsCommand, GetInsightImpactGraphCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection } from './support.mjs';

const xray = new XRayClient(clientConfig());
const phase = process.env.INSIGHTS_PHASE;
const rise = Number(process.env.INSIGHTS_RISE_MINUTE); // epoch seconds of the minute the fault rate rises in
const front = process.env.INSIGHTS_FRONT;
const back = process.env.INSIGHTS_BACK;
const group = 'checkout-insights';
const perMinute = 30;
const hex = (n) => randomBytes(n).toString('hex');

function assertInvalid(error, pattern) {
  assert.equal(error.name, 'InvalidRequestException', `expected InvalidRequestException, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.match(error.message, pattern);
}

/** One trace: the front end's request calls the back end; when the back end faults, so does the request. */
function trace(start, faulted, service = front, callee = back) {
  const traceId = `1-${Math.floor(start).toString(16)}-${hex(12)}`;
  const status = faulted ? 500 : 200;
  const call = hex(8);
  const frontSegment = {
    name: service, id: hex(8), trace_id: traceId, start_time: start, end_time: start + 0.2, fault: faulted,
    http: { request: { method: 'GET', url: `http://${service}.internal/cart` }, response: { status } },
    subsegments: [{ name: callee, id: call, namespace: 'remote', start_time: start + 0.01, end_time: start + 0.19, fault: faulted,
      http: { request: { method: 'POST', url: `http://${callee}.internal/charge`, traced: true }, response: { status } } }],
  };
  const backSegment = {
    name: callee, id: hex(8), parent_id: call, trace_id: traceId, start_time: start + 0.02, end_time: start + 0.18, fault: faulted,
    http: { request: { method: 'POST', url: `http://${callee}.internal/charge` }, response: { status } },
  };
  return [JSON.stringify(frontSegment), JSON.stringify(backSegment)];
}

/** Sends a minute of traffic: 30 requests spread over its first 45 seconds, the first `faults` of them faulted. */
async function sendMinute(minute, faults, extra = []) {
  const documents = [...extra];
  for (let i = 0; i < perMinute; i++) {
    documents.push(...trace(minute + 1 + i * 1.5, i < faults));
  }
  for (let at = 0; at < documents.length; at += 50) {
    const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: documents.slice(at, at + 50) }));
    assert.deepEqual(UnprocessedTraceSegments, []);
  }
}

async function summaries(extra = {}) {
  const { InsightSummaries, NextToken } = await xray.send(new GetInsightSummariesCommand({
    GroupName: group, StartTime: new Date((rise - 3600) * 1000), EndTime: new Date((rise + 3600) * 1000), ...extra,
  }));
  return { InsightSummaries, NextToken };
}

if (phase === 'rise') {
  test('a group with insights enabled gets ten steady minutes, then a minute whose back-end fault rate rises', async () => {
    await xray.send(new CreateGroupCommand({
      GroupName: group, FilterExpression: `service("${front}")`, InsightsConfiguration: { InsightsEnabled: true },
    }));
    await xray.send(new CreateGroupCommand({ GroupName: 'other-insights', FilterExpression: 'service("elsewhere")' }));
    for (let minute = rise - 600; minute < rise; minute += 60) {
      await sendMinute(minute, 1);
    }
    // A service outside the group's filter faults on every request: it is no part of the group's insight.
    const outside = [];
    for (let i = 0; i < 20; i++) {
      outside.push(...trace(rise + 2 + i, true, 'reports-outside', 'reports-db'));
    }
    await sendMinute(rise, 15, outside);
    const { InsightSummaries } = await summaries();
    assert.deepEqual(InsightSummaries, [], 'no insight before the minute is evaluated');
  });
}

if (phase === 'opened') {
  test('the insight is ACTIVE, names the back end as its root cause and counts the impacted client requests', async () => {
    const { InsightSummaries, NextToken } = await summaries({ States: ['ACTIVE'] });
    assert.equal(NextToken, undefined);
    assert.equal(InsightSummaries.length, 1);
    const summary = InsightSummaries[0];
    assert.match(summary.InsightId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(summary.GroupName, group);
    assert.match(summary.GroupARN, new RegExp(`:group/${group}/[A-Z2-7]{32}$`));
    assert.equal(summary.State, 'ACTIVE');
    assert.deepEqual(summary.Categories, ['FAULT']);
    assert.equal(summary.RootCauseServiceId.Name, back);
    assert.equal(summary.StartTime.getTime(), rise * 1000);
    assert.equal(summary.EndTime, undefined);
    assert.deepEqual(summary.ClientRequestImpactStatistics, { FaultCount: 15, OkCount: 15, TotalCount: 30 });
    assert.deepEqual(summary.RootCauseServiceRequestImpactStatistics, { FaultCount: 15, OkCount: 15, TotalCount: 30 });
    const anomalous = summary.TopAnomalousServices.map((s) => s.ServiceId.Name);
    assert.ok(anomalous.includes(back), `anomalous: ${anomalous}`);
    assert.ok(!anomalous.includes('reports-outside'), 'a service outside the group is not part of its insight');
    assert.match(summary.Summary, new RegExp(`fault root cause: ${back}`));
    assert.ok(summary.LastUpdateTime instanceof Date);

    const { Insight } = await xray.send(new GetInsightCommand({ InsightId: summary.InsightId }));
    const { LastUpdateTime, ...rest } = summary;
    assert.deepEqual(JSON.parse(JSON.stringify(Insight)), JSON.parse(JSON.stringify(rest)));

    const { InsightEvents } = await xray.send(new GetInsightEventsCommand({ InsightId: summary.InsightId }));
    assert.equal(InsightEvents.length, 1);
    assert.equal(InsightEvents[0].EventTime.getTime(), (rise + 60) * 1000);
    assert.deepEqual(InsightEvents[0].ClientRequestImpactStatistics, { FaultCount: 15, OkCount: 15, TotalCount: 30 });

    const graph = await xray.send(new GetInsightImpactGraphCommand({
      InsightId: summary.InsightId, StartTime: new Date((rise - 60) * 1000), EndTime: new Date((rise + 120) * 1000),
    }));
    assert.equal(graph.InsightId, summary.InsightId);
    assert.equal(graph.ServiceGraphStartTime.getTime(), rise * 1000);
    const byName = new Map(graph.Services.map((s) => [s.Name ?? s.Type, s]));
    assert.deepEqual([...byName.keys()].sort(), ['client', back, front].sort());
    assert.deepEqual(byName.get(front).Edges.map((e) => e.ReferenceId), [byName.get(back).ReferenceId]);
    assert.deepEqual(byName.get('client').Edges.map((e) => e.ReferenceId), [byName.get(front).ReferenceId]);
    assert.deepEqual(byName.get(back).Edges, []);
  });

  test('X-Ray\'s errors: malformed and unknown ids, bad ranges, states and page sizes are InvalidRequestException', async () => {
    const { InsightSummaries: [{ InsightId }] } = await summaries();
    assertInvalid(await rejection(() => xray.send(new GetInsightCommand({ InsightId: 'not-a-uuid' }))), /not a valid insight id/);
    assertInvalid(await rejection(() => xray.send(new GetInsightCommand({ InsightId: '11111111-2222-4333-8444-555555555555' }))), /not found/);
    assertInvalid(await rejection(() => xray.send(new GetInsightEventsCommand({ InsightId, MaxResults: 51 }))), /MaxResults/);
    assertInvalid(await rejection(() => xray.send(new GetInsightEventsCommand({ InsightId, NextToken: 'bogus' }))), /NextToken/);
    assertInvalid(await rejection(() => xray.send(new GetInsightImpactGraphCommand({
      InsightId, StartTime: new Date(rise * 1000), EndTime: new Date((rise + 7 * 3600) * 1000) }))), /six hours/);
    assertInvalid(await rejection(() => xray.send(new GetInsightImpactGraphCommand({
      InsightId, StartTime: new Date(rise * 1000), EndTime: new Date((rise - 60) * 1000) }))), /later than StartTime/);
    assertInvalid(await rejection(() => summaries({ States: ['OPEN'] })), /ACTIVE or CLOSED/);
    assertInvalid(await rejection(() => summaries({ MaxResults: 0 })), /MaxResults/);
    assertInvalid(await rejection(() => xray.send(new GetInsightSummariesCommand({
      StartTime: new Date(rise * 1000), EndTime: new Date((rise + 60) * 1000) }))), /GroupName or GroupARN/);
    assertInvalid(await rejection(() => xray.send(new GetInsightSummariesCommand({
      GroupName: 'no-such-group', StartTime: new Date(rise * 1000), EndTime: new Date((rise + 60) * 1000) }))), /Group not found/);
    // One page at a time.
    const page = await summaries({ MaxResults: 1 });
    assert.equal(page.InsightSummaries.length, 1);
    assert.equal(page.NextToken, undefined);
  });

  test('a user allowed xray:GetInsight* on another group only is denied, naming the group ARN', async () => {
    const limited = new XRayClient(clientConfig({ credentials: credentialsFromEnv('LIMITED') }));
    const { InsightSummaries: [{ InsightId, GroupARN }] } = await summaries();
    for (const call of [
      () => limited.send(new GetInsightCommand({ InsightId })),
      () => limited.send(new GetInsightEventsCommand({ InsightId })),
      () => limited.send(new GetInsightImpactGraphCommand({ InsightId, StartTime: new Date(rise * 1000), EndTime: new Date((rise + 60) * 1000) })),
      () => limited.send(new GetInsightSummariesCommand({ GroupName: group, StartTime: new Date(rise * 1000), EndTime: new Date((rise + 60) * 1000) })),
    ]) {
      const error = await rejection(call);
      assert.equal(error.name, 'AccessDeniedException', `${error.name}: ${error.message}`);
      assert.ok(error.message.includes(GroupARN), error.message);
    }
    // Its own group's insights (none) it may list.
    const own = await limited.send(new GetInsightSummariesCommand({ GroupName: 'other-insights', StartTime: new Date(rise * 1000), EndTime: new Date((rise + 60) * 1000) }));
    assert.deepEqual(own.InsightSummaries, []);
  });

  test('traffic goes back to normal', async () => {
    await sendMinute(rise + 60, 1);
    await sendMinute(rise + 120, 0);
  });
}

if (phase === 'closed') {
  test('the insight is CLOSED, ended where the rate returned to its baseline, with an event for the closing', async () => {
    assert.deepEqual((await summaries({ States: ['ACTIVE'] })).InsightSummaries, []);
    const { InsightSummaries } = await summaries({ States: ['CLOSED'] });
    assert.equal(InsightSummaries.length, 1);
    const [insight] = InsightSummaries;
    assert.equal(insight.State, 'CLOSED');
    assert.equal(insight.RootCauseServiceId.Name, back);
    assert.equal(insight.StartTime.getTime(), rise * 1000);
    assert.equal(insight.EndTime.getTime(), (rise + 60) * 1000);
    assert.deepEqual(insight.ClientRequestImpactStatistics, { FaultCount: 15, OkCount: 15, TotalCount: 30 });
    const { InsightEvents } = await xray.send(new GetInsightEventsCommand({ InsightId: insight.InsightId }));
    assert.deepEqual(InsightEvents.map((e) => e.EventTime.getTime()), [(rise + 60) * 1000, (rise + 180) * 1000]);
    assert.match(InsightEvents[1].Summary, /returned to the baseline/);
    // Paged one event at a time.
    const first = await xray.send(new GetInsightEventsCommand({ InsightId: insight.InsightId, MaxResults: 1 }));
    assert.equal(first.InsightEvents.length, 1);
    const second = await xray.send(new GetInsightEventsCommand({ InsightId: insight.InsightId, MaxResults: 1, NextToken: first.NextToken }));
    assert.deepEqual(second.InsightEvents, [InsightEvents[1]]);
    assert.equal(second.NextToken, undefined);
  });
}
