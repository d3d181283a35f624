// GetTimeSeriesServiceStatistics with the real AWS SDK for JavaScript v3: a known mix of requests over four minutes, answered
// per period from the statistics kept at ingest; entity selectors, periods, paging, groups, forecasts and X-Ray's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, PutTraceSegmentsCommand, GetTimeSeriesServiceStatisticsCommand, CreateGroupCommand, DeleteGroupCommand,
  paginateGetTimeSeriesServiceStatistics,
} from '@aws-sdk/client-xray';
import { clientConfig, rejection } from './support.mjs';

const xray = new XRayClient(clientConfig());
const suffix = randomBytes(4).toString('hex');
const checkout = `checkout-${suffix}`;
const inventory = `inventory-${suffix}`;
const payments = `payments-${suffix}.example.com`;

// Four whole minutes, ending two minutes ago (the server keeps statistics by the minute a request started in).
const base = Math.floor(Date.now() / 60000) * 60 - 6 * 60;
const minutes = 4;
const perMinute = 6;
// Per minute: ok, ok, 4xx, 429, 5xx, ok; response times alternate 0.04 s and 0.3 s.
const outcomes = [{}, {}, { error: true }, { error: true, throttle: true }, { fault: true }, {}];

function id() { return randomBytes(8).toString('hex'); }

function documents() {
  const docs = [];
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < perMinute; i++) {
      const start = base + m * 60 + 5 + i * 7;
      const trace = `1-${Math.floor(start).toString(16)}-${randomBytes(12).toString('hex')}`;
      const duration = i % 2 === 0 ? 0.04 : 0.3;
      const call = id();
      docs.push(JSON.stringify({
        name: checkout, id: id(), trace_id: trace, start_time: start, end_time: start + duration, origin: 'AWS::EC2::Instance',
        ...outcomes[i],
        subsegments: [
          { name: 'inventory.internal', id: call, namespace: 'remote', start_time: start + 0.001, end_time: start + 0.02 },
          // Every third payment call faults.
          { name: payments, id: id(), namespace: 'remote', start_time: start + 0.02, end_time: start + 0.03, ...(i % 3 === 2 ? { fault: true } : {}) },
        ],
      }));
      docs.push(JSON.stringify({
        name: inventory, id: id(), trace_id: trace, parent_id: call, start_time: start + 0.002, end_time: start + 0.018, origin: 'AWS::EC2::Instance',
      }));
    }
  }
  return docs;
}

function assertInvalid(error, pattern) {
  assert.equal(error.name, 'InvalidRequestException', `expected InvalidRequestException, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.match(error.message, pattern);
}

const range = { StartTime: new Date(base * 1000), EndTime: new Date((base + minutes * 60) * 1000) };
const stats = async (input) => (await xray.send(new GetTimeSeriesServiceStatisticsCommand({ ...range, ...input })));
const times = (list) => list.map((e) => e.Timestamp.getTime() / 1000);
const total = (list, key) => list.reduce((sum, e) => sum + e[key].TotalCount, 0);

test('segments are sent', async () => {
  const docs = documents();
  for (let at = 0; at < docs.length; at += 50) {
    const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs.slice(at, at + 50) }));
    assert.deepEqual(UnprocessedTraceSegments, []);
  }
});

test('a service, per minute: counts add up to what was sent, split into ok, 4xx, 429 and 5xx, with the histogram', async () => {
  const { TimeSeriesServiceStatistics: list, NextToken, ContainsOldGroupVersions } = await stats({ EntitySelectorExpression: `service("${checkout}")`, Period: 60 });
  assert.equal(NextToken, undefined);
  assert.equal(ContainsOldGroupVersions, false);
  assert.deepEqual(times(list), [0, 1, 2, 3].map((m) => base + m * 60));
  for (const entry of list) {
    assert.equal(entry.EdgeSummaryStatistics, undefined);
    assert.deepEqual(entry.ServiceSummaryStatistics, {
      OkCount: 3,
      ErrorStatistics: { ThrottleCount: 1, OtherCount: 1, TotalCount: 2 },
      FaultStatistics: { OtherCount: 1, TotalCount: 1 },
      TotalCount: 6,
      TotalResponseTime: entry.ServiceSummaryStatistics.TotalResponseTime,
    });
    assert.ok(Math.abs(entry.ServiceSummaryStatistics.TotalResponseTime - (3 * 0.04 + 3 * 0.3)) < 1e-6);
    // Fixed buckets: 0.04 s counts in the bucket up to 0.05 s, 0.3 s in the one up to 0.5 s.
    assert.deepEqual(entry.ResponseTimeHistogram, [{ Value: 0.05, Count: 3 }, { Value: 0.5, Count: 3 }]);
  }
  assert.equal(total(list, 'ServiceSummaryStatistics'), minutes * perMinute);

  // id(name, type) picks the same service; a type it does not have picks nothing.
  const byId = await stats({ EntitySelectorExpression: `id(name: "${checkout}", type: "AWS::EC2::Instance")`, Period: 60 });
  assert.deepEqual(byId.TimeSeriesServiceStatistics, list);
  assert.deepEqual((await stats({ EntitySelectorExpression: `id(name: "${checkout}", type: "AWS::Lambda")`, Period: 60 })).TimeSeriesServiceStatistics, []);
});

test('longer periods merge the minutes; without a Period, a range of minutes is answered per minute', async () => {
  const two = (await stats({ EntitySelectorExpression: `service("${checkout}")`, Period: 120 })).TimeSeriesServiceStatistics;
  assert.deepEqual(times(two), [base, base + 120]);
  for (const entry of two) {
    assert.equal(entry.ServiceSummaryStatistics.TotalCount, 12);
    assert.equal(entry.ServiceSummaryStatistics.FaultStatistics.TotalCount, 2);
    assert.deepEqual(entry.ResponseTimeHistogram, [{ Value: 0.05, Count: 6 }, { Value: 0.5, Count: 6 }]);
  }
  const byDefault = (await stats({ EntitySelectorExpression: `service("${checkout}")` })).TimeSeriesServiceStatistics;
  assert.deepEqual(times(byDefault), [0, 1, 2, 3].map((m) => base + m * 60));
});

test('an edge selector narrows to one edge; without a selector every edge is merged', async () => {
  const toInventory = (await stats({ EntitySelectorExpression: `edge("${checkout}", "${inventory}")`, Period: 60 })).TimeSeriesServiceStatistics;
  assert.equal(toInventory.length, minutes);
  for (const entry of toInventory) {
    assert.equal(entry.ServiceSummaryStatistics, undefined);
    assert.equal(entry.EdgeSummaryStatistics.TotalCount, perMinute);
    assert.equal(entry.EdgeSummaryStatistics.OkCount, perMinute);
  }
  const toPayments = (await stats({ EntitySelectorExpression: `edge("${checkout}", "${payments}")`, Period: 60 })).TimeSeriesServiceStatistics;
  for (const entry of toPayments) {
    assert.equal(entry.EdgeSummaryStatistics.TotalCount, perMinute);
    assert.equal(entry.EdgeSummaryStatistics.FaultStatistics.TotalCount, 2);
  }
  const all = (await stats({ Period: 60 })).TimeSeriesServiceStatistics;
  assert.deepEqual(all.map((e) => e.EdgeSummaryStatistics.TotalCount), [12, 12, 12, 12]);
  assert.deepEqual(all.map((e) => e.ResponseTimeHistogram.reduce((sum, b) => sum + b.Count, 0)), [12, 12, 12, 12]);
  // The inventory service's own statistics: its segments.
  const served = (await stats({ EntitySelectorExpression: `service("${inventory}")`, Period: 240 })).TimeSeriesServiceStatistics;
  assert.equal(served.length, 1);
  assert.equal(served[0].ServiceSummaryStatistics.TotalCount, minutes * perMinute);
});

test('GroupName and GroupARN scope the statistics to the traces of the group', async () => {
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: `stats-${suffix}`, FilterExpression: `service("${checkout}") { fault }` }));
  try {
    for (const scope of [{ GroupName: Group.GroupName }, { GroupARN: Group.GroupARN }]) {
      const list = (await stats({ ...scope, EntitySelectorExpression: `service("${checkout}")`, Period: 60 })).TimeSeriesServiceStatistics;
      assert.deepEqual(times(list), [0, 1, 2, 3].map((m) => base + m * 60));
      for (const entry of list) {
        assert.equal(entry.ServiceSummaryStatistics.TotalCount, 1);
        assert.equal(entry.ServiceSummaryStatistics.FaultStatistics.TotalCount, 1);
      }
      // The faulting traces' edges: one call to each downstream service a minute.
      const edges = (await stats({ ...scope, Period: 60 })).TimeSeriesServiceStatistics;
      assert.deepEqual(edges.map((e) => e.EdgeSummaryStatistics.TotalCount), [2, 2, 2, 2]);
    }
    // The Default group is every trace.
    const all = (await stats({ GroupName: 'Default', EntitySelectorExpression: `service("${checkout}")`, Period: 240 })).TimeSeriesServiceStatistics;
    assert.equal(all[0].ServiceSummaryStatistics.TotalCount, minutes * perMinute);
    assertInvalid(await rejection(() => stats({ GroupName: `nope-${suffix}` })), /Group not found/);
  } finally {
    await xray.send(new DeleteGroupCommand({ GroupName: Group.GroupName }));
  }
});

test('a long range is answered in pages, NextToken after NextToken, adding up to the same counts', async () => {
  const twoDays = { StartTime: new Date((base - 2 * 86400) * 1000), EndTime: range.EndTime };
  const first = await xray.send(new GetTimeSeriesServiceStatisticsCommand({ ...twoDays, EntitySelectorExpression: `service("${checkout}")`, Period: 60 }));
  assert.deepEqual(first.TimeSeriesServiceStatistics, []);
  assert.ok(first.NextToken);
  const entries = [];
  let pages = 0;
  for await (const page of paginateGetTimeSeriesServiceStatistics({ client: xray }, { ...twoDays, EntitySelectorExpression: `service("${checkout}")`, Period: 60 })) {
    pages++;
    entries.push(...page.TimeSeriesServiceStatistics);
  }
  assert.equal(pages, 3);
  assert.equal(total(entries, 'ServiceSummaryStatistics'), minutes * perMinute);
  assertInvalid(await rejection(() => stats({ NextToken: 'bm90LWEtdG9rZW4=' })), /NextToken is not valid/);
});

test('ForecastStatistics gives each period of a service the fault counts expected from the periods before it', async () => {
  const list = (await stats({ EntitySelectorExpression: `id(name: "${checkout}", type: "AWS::EC2::Instance")`, Period: 60, ForecastStatistics: true })).TimeSeriesServiceStatistics;
  assert.equal(list.length, minutes);
  // The first minute has no faults before it: 0 to 0; later ones have one fault a minute in some of the ten before.
  assert.deepEqual(list[0].ServiceForecastStatistics, { FaultCountHigh: 0, FaultCountLow: 0 });
  for (const entry of list.slice(1)) {
    assert.ok(entry.ServiceForecastStatistics.FaultCountHigh >= 1);
    assert.equal(entry.ServiceForecastStatistics.FaultCountLow, 0);
  }
  assertInvalid(await rejection(() => stats({ ForecastStatistics: true })), /ForecastStatistics needs an EntitySelectorExpression/);
});

test('bad requests are refused with InvalidRequestException', async () => {
  assertInvalid(await rejection(() => stats({ Period: 90 })), /Period must be a positive multiple of 60/);
  assertInvalid(await rejection(() => stats({ Period: 0 })), /Period must be a positive multiple of 60/);
  assertInvalid(await rejection(() => stats({ EntitySelectorExpression: `service("${checkout}") AND fault` })), /Invalid EntitySelectorExpression/);
  assertInvalid(await rejection(() => stats({ EntitySelectorExpression: 'responsetime > 1' })), /Invalid EntitySelectorExpression/);
  assertInvalid(await rejection(() => stats({ StartTime: range.EndTime, EndTime: range.StartTime })), /EndTime must be later than StartTime/);
});
