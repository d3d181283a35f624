// Issue 4's acceptance with the X-Ray SDK for Node.js: an instrumented service (xray-app.mjs) sends its segments over UDP
// and fetches its sampling rules over TCP from the server as its daemon; @aws-sdk/client-xray reads the traces back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { XRayClient, GetTraceSummariesCommand, BatchGetTracesCommand, GetServiceGraphCommand, GetTraceGraphCommand } from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';

const xray = new XRayClient(clientConfig());
const startTime = new Date(Date.now() - 60_000);
const endTime = () => new Date(Date.now() + 60_000);
const orders = [
  { item: 1, customer: 'c7', status: 200 },
  { item: 2, customer: 'c8', status: 200 },
  { item: 3, customer: 'c7', status: 502 },
];
let app;
let ports;

before(async () => {
  assert.ok(process.env.AWS_XRAY_DAEMON_ADDRESS, 'AWS_XRAY_DAEMON_ADDRESS names the server');
  app = spawn(process.execPath, ['xray-app.mjs'], { cwd: import.meta.dirname, stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: app.stdout }), 'line');
  ports = JSON.parse(line);
});

after(() => app?.stdin.end());

/** Retries `attempt` until it returns something, failing after `timeoutMs`: a ceiling for a loaded machine, not a speed claim. */
async function poll(what, timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result) {
      return result;
    }
    assert.ok(Date.now() < deadline, `${what}: never, within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the service fetches its sampling rules from the server over TCP', async () => {
  // The first request the SDK has to decide on starts its centralized sampling pollers.
  assert.equal((await fetch(`http://127.0.0.1:${ports.frontend}/health`)).status, 200);
  const rules = await poll('GetSamplingRules answered', 60_000, async () => {
    const fetched = await (await fetch(`http://127.0.0.1:${ports.frontend}/sampling-rules`)).json();
    return fetched.length > 0 ? fetched : null;
  });
  assert.deepEqual(rules, [{ name: 'Default', rate: 0.05 }]);
  assert.equal((await fetch(`http://127.0.0.1:${ports.frontend}/health`)).status, 200, 'the service keeps serving');
});

const traces = new Map();

test('GetTraceSummaries finds every traced request, whole', async () => {
  for (const order of orders) {
    // Sampled=1 is the upstream decision a load balancer passes on, so every request is traced whatever the Default rule's reservoir.
    const response = await fetch(`http://127.0.0.1:${ports.frontend}/orders/${order.item}?customer=${order.customer}`, {
      headers: { 'X-Amzn-Trace-Id': 'Sampled=1' },
    });
    assert.equal(response.status, order.status);
    const { traceId, segmentId } = await response.json();
    assert.match(traceId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    traces.set(traceId, { ...order, segmentId });
  }

  const filter = 'service("tracevault-frontend") AND edge("tracevault-frontend", "tracevault-backend")';
  const summaries = await poll('all three traces found', 60_000, async () => {
    const page = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: filter }));
    const found = (page.TraceSummaries ?? []).filter((s) => traces.has(s.Id));
    return found.length === traces.size ? page.TraceSummaries : null;
  });
  assert.equal(summaries.length, 3, 'nothing but the three order traces matches');

  for (const summary of summaries) {
    const order = traces.get(summary.Id);
    assert.equal(summary.HasFault, order.status === 502, `HasFault of order ${order.item}`);
    assert.equal(summary.Http?.HttpStatus, order.status);
    assert.match(summary.Http?.HttpURL ?? '', new RegExp(`/orders/${order.item}\\?customer=${order.customer}$`));
    assert.deepEqual(summary.Users?.map((u) => u.UserName), [`user-${order.item}`]);
    assert.deepEqual(summary.Annotations?.customer?.map((a) => a.AnnotationValue?.StringValue), [order.customer]);
    assert.deepEqual(summary.ServiceIds?.map((s) => s.Name).sort(), ['tracevault-backend', 'tracevault-frontend']);
    assert.equal(summary.EntryPoint?.Name, 'tracevault-frontend');
  }

  const c7 = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: 'annotation.customer = "c7"' }));
  assert.deepEqual(c7.TraceSummaries.map((s) => traces.get(s.Id)?.item).sort(), [1, 3]);
});

function descendants(entity) {
  return (entity.subsegments ?? []).flatMap((s) => [s, ...descendants(s)]);
}

test('BatchGetTraces returns each trace whole: both services, the subsegments, the call linking them', async () => {
  const answer = await xray.send(new BatchGetTracesCommand({ TraceIds: [...traces.keys()] }));
  assert.deepEqual(answer.UnprocessedTraceIds ?? [], []);
  assert.equal(answer.Traces.length, 3);
  for (const trace of answer.Traces) {
    const order = traces.get(trace.Id);
    const documents = trace.Segments.map((s) => JSON.parse(s.Document));
    assert.ok(trace.Duration > 0);
    const frontend = documents.find((d) => d.name === 'tracevault-frontend');
    const backend = documents.find((d) => d.name === 'tracevault-backend');
    assert.ok(frontend && backend, `order ${order.item}: both segments, got ${documents.map((d) => d.name)}`);
    assert.equal(frontend.id, order.segmentId);
    assert.equal(frontend.trace_id, trace.Id);
    assert.equal(frontend.annotations.customer, order.customer);
    const subsegments = descendants(frontend);
    const names = subsegments.map((s) => s.name);
    assert.ok(names.includes('compute-price'), `subsegments ${names}`);
    assert.equal(subsegments.find((s) => s.name === 'compute-price').metadata.default.item, String(order.item));
    const call = subsegments.find((s) => s.namespace === 'remote');
    assert.ok(call, 'the outgoing HTTP call is a remote subsegment');
    // The SDK records the URL without the port.
    assert.match(call.http.request.url, new RegExp(`^http://127\\.0\\.0\\.1(:${ports.backend})?/stock/${order.item}$`));
    assert.equal(backend.parent_id, call.id, 'the backend segment names the call as its parent');
    assert.equal(backend.trace_id, trace.Id);
    assert.equal(backend.http.response.status, order.item === 3 ? 500 : 200);
    assert.equal(backend.fault === true, order.item === 3);
  }
});

test('GetServiceGraph shows the calls from the frontend to the backend as an edge', async () => {
  const graph = await xray.send(new GetServiceGraphCommand({ StartTime: startTime, EndTime: endTime() }));
  const frontend = graph.Services.find((s) => s.Name === 'tracevault-frontend');
  const backend = graph.Services.find((s) => s.Name === 'tracevault-backend');
  assert.ok(frontend && backend, `services ${graph.Services.map((s) => s.Name)}`);
  const edge = frontend.Edges.find((e) => e.ReferenceId === backend.ReferenceId);
  assert.ok(edge, 'an edge from the frontend to the backend');
  assert.equal(edge.SummaryStatistics.TotalCount, 3);
  assert.equal(edge.SummaryStatistics.FaultStatistics.TotalCount, 1);
  assert.equal(backend.SummaryStatistics.FaultStatistics.TotalCount, 1);
  assert.equal(backend.Edges.length, 0);

  // X-Ray's graphs begin with the client node: no name, an edge to each root service with its entry requests.
  const client = graph.Services[0];
  assert.equal(client.Type, 'client');
  assert.equal(client.ReferenceId, 0);
  assert.equal(client.Name, undefined);
  const entry = client.Edges.find((e) => e.ReferenceId === frontend.ReferenceId);
  assert.ok(entry, 'an edge from the clients to the frontend');
  assert.ok(!client.Edges.some((e) => e.ReferenceId === backend.ReferenceId), 'the backend is not an entry point');
  assert.equal(entry.SummaryStatistics.TotalCount, frontend.SummaryStatistics.TotalCount);
  assert.equal(entry.ResponseTimeHistogram.reduce((n, h) => n + h.Count, 0), frontend.SummaryStatistics.TotalCount);
  assert.ok(entry.StartTime instanceof Date);

  const traceGraph = await xray.send(new GetTraceGraphCommand({ TraceIds: [...traces.keys()] }));
  assert.equal(traceGraph.Services[0].Type, 'client');
  const traceFrontend = traceGraph.Services.find((s) => s.Name === 'tracevault-frontend');
  assert.deepEqual(traceGraph.Services[0].Edges.map((e) => [e.ReferenceId, e.SummaryStatistics.TotalCount, e.SummaryStatistics.FaultStatistics.TotalCount]), [[traceFrontend.ReferenceId, 3, 1]]);
});


// The trace as the SDK would have sent it whole: each streamed subsegment back in its parent, by start time (the SDK's order).
function sentWhole(documents) {
  const byId = new Map();
  const visit = (entity) => {
    byId.set(entity.id, entity);
    (entity.subsegments ?? []).forEach(visit);
  };
  const copies = documents.map((d) => structuredClone(d));
  copies.forEach(visit);
  const streamed = copies.filter((d) => d.type === 'subsegment');
  for (const subsegment of streamed) {
    const parent = byId.get(subsegment.parent_id);
    parent.subsegments = [...(parent.subsegments ?? []), subsegment].sort((a, b) => a.start_time - b.start_time);
  }
  for (const subsegment of streamed) {
    delete subsegment.type;
    delete subsegment.trace_id;
    delete subsegment.parent_id;
  }
  return copies.filter((d) => !streamed.includes(d));
}

test('with setStreamingThreshold(0), BatchGetTraces joins the streamed subsegments into one document, as if sent whole', async () => {
  const response = await fetch(`http://127.0.0.1:${ports.frontend}/checkout/9`, { headers: { 'X-Amzn-Trace-Id': 'Sampled=1' } });
  assert.equal(response.status, 200);
  const { traceId, segmentId } = await response.json();

  const emitted = await poll('the SDK sent the segment', 2000, async () => {
    const documents = await (await fetch(`http://127.0.0.1:${ports.frontend}/emitted?trace=${traceId}`)).json();
    return documents.some((d) => d.id === segmentId) ? documents : null;
  });
  // What the SDK streamed: three subsegments on their own, "lock" before its parent "reserve".
  assert.deepEqual(emitted.map((d) => `${d.type ?? 'segment'} ${d.name}`), ['subsegment lock', 'subsegment reserve', 'subsegment price', 'segment tracevault-frontend']);

  const documents = await poll('the trace stored whole', 2000, async () => {
    const answer = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    const found = answer.Traces?.[0]?.Segments.map((s) => JSON.parse(s.Document)) ?? [];
    return descendants(found.find((d) => d.id === segmentId) ?? {}).length === 4 ? found : null;
  });
  assert.deepEqual(documents, sentWhole(emitted));
  const [segment] = documents;
  assert.deepEqual(descendants(segment).map((s) => s.name), ['checkout', 'reserve', 'lock', 'price']);
  assert.equal(segment.subsegments[0].subsegments[0].subsegments[0].annotations.item, '9');

  const summary = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: `annotation.item = "9"` }));
  assert.deepEqual(summary.TraceSummaries.map((s) => [s.Id, s.IsPartial]), [[traceId, false]]);
});
