// Issue 16's mixed fleet: a service instrumented with the X-Ray SDK for Node.js (xray-app.mjs, segments over UDP) calls a
// service instrumented with OpenTelemetry (otel-backend of otlp-app.mjs, spans over OTLP to OTLP_URL) that reads the
// X-Amzn-Trace-Id header with the AWS X-Ray propagator. The request is one trace: BatchGetTraces returns both services'
// segments under one id, the OpenTelemetry segment under the X-Ray SDK's call, and both graphs show the edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { XRayClient, BatchGetTracesCommand, GetServiceGraphCommand, GetTraceGraphCommand } from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';
import { startServices } from './otlp-app.mjs';

const xray = new XRayClient(clientConfig());
const startTime = new Date(Date.now() - 60_000);
const endTime = () => new Date(Date.now() + 60_000);
let services;
let app;
let ports;
let traceId;
let segments;

before(async () => {
  assert.ok(process.env.AWS_XRAY_DAEMON_ADDRESS, 'AWS_XRAY_DAEMON_ADDRESS names the server');
  assert.ok(process.env.OTLP_URL, 'OTLP_URL names the server');
  services = await startServices({ exporter: 'proto', url: process.env.OTLP_URL, propagator: 'xray' });
  app = spawn(process.execPath, ['xray-app.mjs'], {
    cwd: import.meta.dirname,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, XRAY_APP_STOCK_URL: `http://127.0.0.1:${services.backendPort}` },
  });
  const [line] = await once(createInterface({ input: app.stdout }), 'line');
  ports = JSON.parse(line);
});

after(async () => {
  app?.stdin.end();
  await services?.close();
});

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

function descendants(entity) {
  return (entity.subsegments ?? []).flatMap((s) => [s, ...descendants(s)]);
}

test('BatchGetTraces returns the X-Ray SDK segment and the OpenTelemetry segment under one trace id', async () => {
  const response = await fetch(`http://127.0.0.1:${ports.frontend}/orders/1?customer=c7`, { headers: { 'X-Amzn-Trace-Id': 'Sampled=1' } });
  assert.equal(response.status, 200, 'the OpenTelemetry service answered the X-Ray SDK service');
  ({ traceId } = await response.json());
  assert.match(traceId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  await services.flush();

  segments = await poll('both services in the trace', 60_000, async () => {
    const page = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    const documents = (page.Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document));
    const frontend = documents.find((d) => d.name === 'tracevault-frontend');
    const backend = documents.find((d) => d.name === 'otel-backend');
    return frontend && backend ? { frontend, backend, documents } : null;
  });
  const { frontend, backend, documents } = segments;
  assert.equal(frontend.trace_id, traceId);
  assert.equal(backend.trace_id, traceId, 'the propagator carried the X-Ray trace id into the OpenTelemetry span');
  assert.equal(frontend.metadata?.otel, undefined, 'the frontend segment came from the X-Ray SDK');
  assert.equal(backend.metadata?.otel?.name, 'GET /stock/:item', 'the backend segment came from an OpenTelemetry span');
  assert.equal(backend.metadata.otel.events?.[0]?.name, 'stock.checked');
  assert.ok(!documents.some((d) => d.name === 'tracevault-backend'), 'the X-Ray SDK\'s own backend was not called');

  const call = descendants(frontend).find((s) => s.id === backend.parent_id);
  assert.ok(call, `the OpenTelemetry segment's parent ${backend.parent_id} is a subsegment of the X-Ray SDK segment`);
  assert.equal(call.namespace, 'remote');
  assert.equal(call.http?.response?.status, 200);
});

function assertEdge(services, what) {
  const frontend = services.find((s) => s.Name === 'tracevault-frontend');
  const backend = services.find((s) => s.Name === 'otel-backend');
  assert.ok(frontend && backend, `${what}: both services, got ${services.map((s) => s.Name)}`);
  assert.ok((frontend.Edges ?? []).some((e) => e.ReferenceId === backend.ReferenceId), `${what}: tracevault-frontend → otel-backend edge`);
}

test('GetTraceGraph shows the edge from the X-Ray SDK service to the OpenTelemetry service', async () => {
  assert.ok(segments, 'the trace was read');
  const graph = await xray.send(new GetTraceGraphCommand({ TraceIds: [traceId] }));
  assertEdge(graph.Services ?? [], 'GetTraceGraph');
});

test('GetServiceGraph shows the edge from the X-Ray SDK service to the OpenTelemetry service', async () => {
  assert.ok(segments, 'the trace was read');
  const graph = await poll('the edge in the service graph', 60_000, async () => {
    const answer = await xray.send(new GetServiceGraphCommand({ StartTime: startTime, EndTime: endTime() }));
    const names = (answer.Services ?? []).map((s) => s.Name);
    return names.includes('tracevault-frontend') && names.includes('otel-backend') ? answer : null;
  });
  assertEdge(graph.Services, 'GetServiceGraph');
});
