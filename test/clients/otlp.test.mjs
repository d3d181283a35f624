// Issue 16's acceptance with the OpenTelemetry SDK for Node.js: two services (otlp-app.mjs) export their spans with the
// OTLP exporter named by OTLP_EXPORTER (proto, http or grpc) to OTLP_URL (unset: the exporter's default endpoint), and
// @aws-sdk/client-xray reads them back as X-Ray traces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XRayClient, GetTraceSummariesCommand, BatchGetTracesCommand, GetServiceGraphCommand } from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';
import { startServices } from './otlp-app.mjs';

const xray = new XRayClient(clientConfig());
const exporter = process.env.OTLP_EXPORTER ?? 'proto';
const startTime = new Date(Date.now() - 60_000);
const endTime = () => new Date(Date.now() + 60_000);
const orders = [
  { item: 1, customer: 'c7', status: 200 },
  { item: 2, customer: 'c8', status: 200 },
  { item: 3, customer: 'c7', status: 502 },
];
const traces = new Map();
let services;

before(async () => {
  services = await startServices({ exporter, url: process.env.OTLP_URL || undefined });
});

after(() => services?.close());

async function poll(what, timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result) {
      return result;
    }
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const xrayId = (hex) => `1-${hex.slice(0, 8)}-${hex.slice(8)}`;

function descendants(entity) {
  return (entity.subsegments ?? []).flatMap((s) => [s, ...descendants(s)]);
}

test(`spans exported over OTLP (${exporter}) are found by GetTraceSummaries within two seconds`, async () => {
  for (const order of orders) {
    const response = await fetch(`http://127.0.0.1:${services.frontendPort}/orders/${order.item}?customer=${order.customer}`);
    assert.equal(response.status, order.status);
    const ids = await response.json();
    traces.set(xrayId(ids.traceId), { ...order, ...ids });
  }
  await services.flush();

  const summaries = await poll('all three traces found', 2000, async () => {
    const page = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: 'service("otel-frontend")' }));
    const found = (page.TraceSummaries ?? []).filter((s) => traces.has(s.Id));
    return found.length === traces.size ? found : null;
  });

  for (const summary of summaries) {
    const order = traces.get(summary.Id);
    assert.equal(summary.HasFault, order.status === 502, `HasFault of order ${order.item}`);
    assert.equal(summary.Http?.HttpStatus, order.status);
    assert.equal(summary.Http?.HttpMethod, 'GET');
    assert.match(summary.Http?.HttpURL ?? '', new RegExp(`/orders/${order.item}\\?customer=${order.customer}$`));
    assert.deepEqual(summary.Users?.map((u) => u.UserName), [`user-${order.item}`]);
    assert.deepEqual(summary.ServiceIds?.map((s) => s.Name).sort(), ['otel-backend', 'otel-frontend']);
    assert.equal(summary.EntryPoint?.Name, 'otel-frontend');
  }

  const c7 = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: 'annotation.customer = "c7"' }));
  assert.deepEqual(c7.TraceSummaries.filter((s) => traces.has(s.Id)).map((s) => traces.get(s.Id).item).sort(), [1, 3]);
  const byItem = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: 'annotation.order_item = 2' }));
  assert.deepEqual(byItem.TraceSummaries.filter((s) => traces.has(s.Id)).map((s) => traces.get(s.Id).item), [2]);
  const faults = await xray.send(new GetTraceSummariesCommand({ StartTime: startTime, EndTime: endTime(), FilterExpression: 'service("otel-frontend") AND fault' }));
  assert.deepEqual(faults.TraceSummaries.filter((s) => traces.has(s.Id)).map((s) => traces.get(s.Id).item), [3]);
});

test('BatchGetTraces reads each trace whole: names from service.name, http fields, the calls under their segment', async () => {
  const answer = await xray.send(new BatchGetTracesCommand({ TraceIds: [...traces.keys()] }));
  assert.deepEqual(answer.UnprocessedTraceIds ?? [], []);
  assert.equal(answer.Traces.length, 3);
  for (const trace of answer.Traces) {
    const order = traces.get(trace.Id);
    const documents = trace.Segments.map((s) => JSON.parse(s.Document));
    const frontend = documents.find((d) => d.name === 'otel-frontend');
    const backend = documents.find((d) => d.name === 'otel-backend' && d.type !== 'subsegment');
    assert.ok(frontend && backend, `order ${order.item}: both segments, got ${documents.map((d) => d.name)}`);
    assert.equal(frontend.id, order.spanId);
    assert.equal(frontend.trace_id, trace.Id);
    assert.equal(frontend.http.request.method, 'GET');
    assert.equal(frontend.http.response.status, order.status);
    assert.equal(frontend.annotations.customer, order.customer);
    assert.equal(frontend.metadata.otel.name, 'GET /orders/:item', 'the span name is kept');
    assert.equal(frontend.metadata.otel.kind, 2, 'the span kind is kept');
    assert.deepEqual(frontend.metadata.default.tags, ['a', 'b'], 'array attributes are kept');
    assert.equal(frontend.metadata.default['otel.resource.deployment.environment'], 'test');

    // The SDK sends each span on its own: the calls arrive as independent subsegments that name the segment they belong in.
    const nested = descendants(frontend);
    const independent = documents.filter((d) => d.type === 'subsegment');
    const subsegments = [...nested, ...independent];
    const price = subsegments.find((s) => s.name === 'compute-price');
    assert.ok(price, `compute-price is a subsegment, got ${subsegments.map((s) => s.name)}`);
    assert.ok(nested.includes(price) || price.parent_id === frontend.id, 'compute-price belongs to the frontend segment');
    assert.equal(price.metadata.otel.events[0].name, 'price.rule.applied', 'span events are kept');
    const call = subsegments.find((s) => s.namespace === 'remote');
    assert.ok(call, 'the outgoing HTTP call is a remote subsegment');
    assert.equal(call.id, order.callId);
    assert.equal(call.name, 'otel-backend', 'a call is named for peer.service');
    assert.match(call.http.request.url, new RegExp(`/stock/${order.item}$`));
    assert.equal(backend.parent_id, call.id, 'the backend segment names the call as its parent: ' + JSON.stringify(documents.map((d) => [d.name, d.id, d.parent_id])));
    assert.equal(backend.fault === true, order.item === 3);
    if (order.item === 3) {
      assert.equal(backend.cause.exceptions[0].type, 'StockUnavailable');
      assert.match(backend.cause.exceptions[0].message, /stock service failed/);
    }
  }
});

test('GetServiceGraph shows the edge from otel-frontend to otel-backend', async () => {
  const graph = await xray.send(new GetServiceGraphCommand({ StartTime: startTime, EndTime: endTime() }));
  const frontend = graph.Services.find((s) => s.Name === 'otel-frontend');
  const backend = graph.Services.find((s) => s.Name === 'otel-backend');
  assert.ok(frontend && backend, `both services, got ${graph.Services.map((s) => s.Name)}`);
  assert.ok(frontend.Edges.some((e) => e.ReferenceId === backend.ReferenceId), 'frontend → backend edge');
});
