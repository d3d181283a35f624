// Trace retrieval with the real AWS SDK for JavaScript v3: X-Ray segments (PutTraceSegments) and OpenTelemetry spans (the
// OpenTelemetry SDK for Node.js and its OTLP exporter, to OTLP_URL) retrieved by StartTraceRetrieval, listed in both formats
// (XRAY: the segment documents; OTEL: the spans, those sent over OTLP as sent), their graph, paging, and X-Ray's errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  XRayClient, PutTraceSegmentsCommand, BatchGetTracesCommand, StartTraceRetrievalCommand, ListRetrievedTracesCommand,
  GetRetrievedTracesGraphCommand, CancelTraceRetrievalCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, rejection } from './support.mjs';

const xray = new XRayClient(clientConfig());
const base = Math.floor(Date.now() / 1000) - 30;
const hex = (bytes) => randomBytes(bytes).toString('hex');
const xrayId = (otelHex) => `1-${otelHex.slice(0, 8)}-${otelHex.slice(8)}`;
const newTraceId = (seconds = base) => `1-${seconds.toString(16).padStart(8, '0')}-${hex(12)}`;
const range = { StartTime: new Date((base - 60) * 1000), EndTime: new Date((base + 60) * 1000) };

function assertError(error, name, status, pattern) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status);
  if (pattern) {
    assert.match(error.message, pattern);
  }
}

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

/** Starts a retrieval and waits until it is COMPLETE; until then it answers SCHEDULED or RUNNING with no traces. */
async function retrieve(traceIds, timeRange = range) {
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({ TraceIds: traceIds, ...timeRange }));
  assert.match(RetrievalToken, /^[0-9a-f]{64}$/);
  await poll('the retrieval completes', 20_000, async () => {
    const page = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }));
    assert.ok(['SCHEDULED', 'RUNNING', 'COMPLETE'].includes(page.RetrievalStatus), page.RetrievalStatus);
    if (page.RetrievalStatus !== 'COMPLETE') {
      assert.deepEqual(page.Traces ?? [], []);
    }
    return page.RetrievalStatus === 'COMPLETE';
  });
  return RetrievalToken;
}

// --- what is sent ------------------------------------------------------------------------------------------------

const front = {
  trace_id: newTraceId(), id: hex(8), name: 'retrieval-front', start_time: base + 0.25, end_time: base + 0.75,
  http: { request: { method: 'POST', url: 'http://shop.example/cart', client_ip: '10.1.2.3' }, response: { status: 200 } },
  annotations: { tier: 'gold', items: 3 },
  subsegments: [{
    id: hex(8), name: 'inventory', namespace: 'remote', start_time: base + 0.3, end_time: base + 0.5,
    http: { request: { method: 'GET', url: 'http://inventory.example/stock' }, response: { status: 200 } },
  }],
};
const back = {
  trace_id: newTraceId(), id: hex(8), name: 'retrieval-back', start_time: base + 1, end_time: base + 1.5, fault: true,
  cause: { exceptions: [{ id: hex(8), type: 'StockError', message: 'out of stock' }] },
};
const old = { trace_id: newTraceId(base - 3000), id: hex(8), name: 'retrieval-old', start_time: base - 3000, end_time: base - 2999 };
const pages = Array.from({ length: 7 }, (_, i) => ({ trace_id: newTraceId(), id: hex(8), name: 'pager', start_time: base + i, end_time: base + i + 0.1 }));

const sent = {};
let provider;

before(async () => {
  const put = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [front, back, old, ...pages].map((d) => JSON.stringify(d)) }));
  assert.deepEqual(put.UnprocessedTraceSegments, []);

  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'retrieval-otel', 'service.version': '2.0.1', team: 'core' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_URL }))],
  });
  const tracer = provider.getTracer('retrieval-test', '1.2.3');
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    startTime: [base, 123456789],
    attributes: { 'http.request.method': 'GET', 'order.id': 'A-1', 'order.count': 3, 'order.total': 12.5, vip: true, tags: ['x', 'y'] },
    links: [{ context: { traceId: front.trace_id.replace(/^1-|-/g, ''), spanId: front.id, traceFlags: 1 }, attributes: { 'link.reason': 'retry' } }],
  }, ROOT_CONTEXT);
  root.addEvent('cart.loaded', { 'cart.items': 2, 'cart.note': 'gift' }, [base, 223456789]);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  const child = tracer.startSpan('compute-total', { kind: SpanKind.INTERNAL, startTime: [base, 300000000], attributes: { step: 'sum' } }, trace.setSpan(ROOT_CONTEXT, root));
  child.end([base, 400000001]);
  root.end([base + 1, 5]);
  await provider.forceFlush();
  sent.otelHex = root.spanContext().traceId;
  sent.otelId = xrayId(sent.otelHex);
  sent.root = root.spanContext().spanId;
  sent.child = child.spanContext().spanId;

  // Both spans are stored before the retrieval starts (a retrieval finds what is stored when it runs).
  await poll('the OTLP trace is stored', 5000, async () => {
    const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [sent.otelId] }));
    return JSON.stringify(Traces ?? []).includes(sent.child);
  });
});

after(() => provider?.shutdown());

// --- the tests ---------------------------------------------------------------------------------------------------

test('XRAY format: the traces in the order asked, each with its documents in the time range; none outside it or unknown', async () => {
  const token = await retrieve([sent.otelId, front.trace_id, back.trace_id, old.trace_id, process.env.RETRIEVAL_CANARY_TRACE_ID ?? newTraceId()]);
  const page = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'XRAY' }));
  assert.equal(page.RetrievalStatus, 'COMPLETE');
  assert.equal(page.TraceFormat, 'XRAY');
  assert.equal(page.NextToken, undefined);
  assert.deepEqual(page.Traces.map((t) => t.Id), [sent.otelId, front.trace_id, back.trace_id]);

  const [otel, frontTrace, backTrace] = page.Traces;
  // As BatchGetTraces gives them: the span that joined its service's segment is a subsegment of it.
  assert.deepEqual(otel.Spans.map((s) => s.Id), [sent.root]);
  const rootDocument = JSON.parse(otel.Spans[0].Document);
  assert.equal(rootDocument.name, 'retrieval-otel');
  assert.equal(rootDocument.fault, true);
  assert.deepEqual(rootDocument.subsegments.map((s) => s.id), [sent.child]);
  assert.ok(Math.abs(otel.Duration - 0.876543216) < 1e-6, `Duration ${otel.Duration}`);

  // As BatchGetTraces gives them: the segment as sent, then the segment X-Ray infers for the remote service it called.
  assert.equal(frontTrace.Spans.length, 2);
  assert.equal(frontTrace.Spans[0].Id, front.id);
  assert.deepEqual(JSON.parse(frontTrace.Spans[0].Document), front);
  assert.equal(JSON.parse(frontTrace.Spans[1].Document).name, 'inventory');
  assert.ok(Math.abs(frontTrace.Duration - 0.5) < 1e-9);
  assert.deepEqual(JSON.parse(backTrace.Spans[0].Document), back);
});

test('OTEL format: spans sent over OTLP come back as sent: ids, kind, times, attributes, events, links, status, resource, scope', async () => {
  const token = await retrieve([sent.otelId]);
  const page = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'OTEL' }));
  assert.equal(page.TraceFormat, 'OTEL');
  assert.deepEqual(page.Traces.map((t) => t.Id), [sent.otelId]);
  const spans = new Map(page.Traces[0].Spans.map((s) => [s.Id, s.Document]));
  assert.deepEqual([...spans.keys()].sort(), [sent.root, sent.child].sort());

  const rootText = spans.get(sent.root);
  const root = JSON.parse(rootText);
  assert.equal(root.traceId, sent.otelHex);
  assert.equal(root.spanId, sent.root);
  assert.equal(root.parentSpanId, undefined);
  assert.equal(root.name, 'GET /checkout');
  assert.equal(root.kind, 'SERVER');
  // Nanoseconds exactly as sent (read from the text: they are past what a JavaScript number holds exactly).
  assert.equal(rootText.match(/"startTimeUnixNano":(\d+)/)[1], `${base}123456789`);
  assert.equal(rootText.match(/"endTimeUnixNano":(\d+)/)[1], `${base + 1}000000005`);
  assert.equal(root.durationNano, 876543216);
  assert.deepEqual(root.attributes, { 'http.request.method': 'GET', 'order.id': 'A-1', 'order.count': 3, 'order.total': 12.5, vip: true, tags: ['x', 'y'] });
  assert.deepEqual(root.status, { code: 'ERROR', message: 'payment declined' });
  assert.equal(root.events.length, 1);
  assert.deepEqual({ ...root.events[0], timeUnixNano: undefined }, { timeUnixNano: undefined, name: 'cart.loaded', attributes: { 'cart.items': 2, 'cart.note': 'gift' } });
  assert.equal(rootText.match(/"timeUnixNano":(\d+)/)[1], `${base}223456789`);
  assert.deepEqual(root.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    [{ traceId: front.trace_id.replace(/^1-|-/g, ''), spanId: front.id, attributes: { 'link.reason': 'retry' } }]);
  assert.deepEqual(root.resource, { attributes: { 'service.name': 'retrieval-otel', 'service.version': '2.0.1', team: 'core' } });
  assert.equal(root.scope.name, 'retrieval-test');
  assert.equal(root.scope.version, '1.2.3');

  const childText = spans.get(sent.child);
  const child = JSON.parse(childText);
  assert.equal(child.parentSpanId, sent.root);
  assert.equal(child.name, 'compute-total');
  assert.equal(child.kind, 'INTERNAL');
  assert.deepEqual(child.attributes, { step: 'sum' });
  assert.deepEqual(child.status, { code: 'UNSET' });
  assert.equal(childText.match(/"startTimeUnixNano":(\d+)/)[1], `${base}300000000`);
  assert.equal(childText.match(/"endTimeUnixNano":(\d+)/)[1], `${base}400000001`);
  // The resource the span was sent with, though the ingest kept it with its service's segment.
  assert.deepEqual(child.resource, root.resource);
  assert.deepEqual(child.scope, root.scope);
});

test('OTEL format: X-Ray segments become spans: a segment SERVER, a remote subsegment CLIENT under it, http and annotations as attributes', async () => {
  const token = await retrieve([front.trace_id, back.trace_id]);
  const page = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'OTEL' }));
  assert.deepEqual(page.Traces.map((t) => t.Id), [front.trace_id, back.trace_id]);
  const spans = page.Traces[0].Spans.map((s) => ({ Id: s.Id, ...JSON.parse(s.Document) }));
  assert.deepEqual(spans.map((s) => s.Id), [front.id, front.subsegments[0].id]);
  const [segment, call] = spans;
  assert.equal(segment.traceId, front.trace_id.replace(/^1-|-/g, ''));
  assert.equal(segment.kind, 'SERVER');
  assert.equal(segment.name, 'retrieval-front');
  assert.deepEqual(segment.resource, { attributes: { 'service.name': 'retrieval-front' } });
  assert.deepEqual(segment.attributes, {
    'http.request.method': 'POST', 'url.full': 'http://shop.example/cart', 'client.address': '10.1.2.3', 'http.response.status_code': 200, tier: 'gold', items: 3,
  });
  assert.equal(segment.durationNano, 500000000);
  assert.equal(call.parentSpanId, front.id);
  assert.equal(call.kind, 'CLIENT');
  assert.equal(call.name, 'inventory');
  assert.deepEqual(call.resource, segment.resource);
  assert.deepEqual(call.attributes, { 'http.request.method': 'GET', 'url.full': 'http://inventory.example/stock', 'http.response.status_code': 200 });

  const failed = JSON.parse(page.Traces[1].Spans[0].Document);
  assert.deepEqual(failed.status, { code: 'ERROR' });
  assert.deepEqual(failed.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    [{ name: 'exception', attributes: { 'exception.type': 'StockError', 'exception.message': 'out of stock' } }]);
});

test('GetRetrievedTracesGraph: the services with their edges, and the span link from the OTLP trace to the X-Ray one', async () => {
  const token = await retrieve([sent.otelId, front.trace_id, back.trace_id]);
  const graph = await xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken: token }));
  assert.equal(graph.RetrievalStatus, 'COMPLETE');
  assert.equal(graph.NextToken, undefined);
  const byName = new Map(graph.Services.map((s) => [s.Service.Name, s]));
  for (const name of ['retrieval-otel', 'retrieval-front', 'inventory', 'retrieval-back']) {
    assert.ok(byName.has(name), `service ${name} in ${[...byName.keys()]}`);
  }
  const frontService = byName.get('retrieval-front').Service;
  assert.equal(frontService.Root, true);
  assert.deepEqual(frontService.Edges.map((e) => e.ReferenceId), [byName.get('inventory').Service.ReferenceId]);
  assert.equal(frontService.Edges[0].SummaryStatistics.TotalCount, 1);
  assert.equal(byName.get('retrieval-back').Service.SummaryStatistics.FaultStatistics.TotalCount, 1);
  assert.deepEqual(byName.get('retrieval-otel').Links, [{ ReferenceType: 'link', SourceTraceId: sent.otelId, DestinationTraceIds: [front.trace_id] }]);
  assert.deepEqual(byName.get('retrieval-front').Links, []);
});

test('ListRetrievedTraces pages five traces at a time with a NextToken bound to its retrieval and format', async () => {
  const token = await retrieve(pages.map((p) => p.trace_id));
  const first = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token }));
  assert.deepEqual(first.Traces.map((t) => t.Id), pages.slice(0, 5).map((p) => p.trace_id));
  assert.ok(first.NextToken);
  const second = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, NextToken: first.NextToken }));
  assert.deepEqual(second.Traces.map((t) => t.Id), pages.slice(5).map((p) => p.trace_id));
  assert.equal(second.NextToken, undefined);
  assertError(await rejection(() => xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'OTEL', NextToken: first.NextToken }))),
    'InvalidRequestException', 400, /NextToken is not valid/);
  const other = await retrieve([pages[0].trace_id]);
  assertError(await rejection(() => xray.send(new ListRetrievedTracesCommand({ RetrievalToken: other, NextToken: first.NextToken }))),
    'InvalidRequestException', 400, /NextToken is not valid/);
});

test('errors: too many or no trace ids, an inverted range, a malformed or unknown token, a bad format, cancelling what is complete', async () => {
  const ids = Array.from({ length: 101 }, () => newTraceId());
  assertError(await rejection(() => xray.send(new StartTraceRetrievalCommand({ TraceIds: ids, ...range }))), 'InvalidRequestException', 400, /1 to 100 trace ids/);
  assertError(await rejection(() => xray.send(new StartTraceRetrievalCommand({ TraceIds: [], ...range }))), 'InvalidRequestException', 400, /1 to 100 trace ids/);
  assertError(await rejection(() => xray.send(new StartTraceRetrievalCommand({ TraceIds: [front.trace_id], StartTime: range.EndTime, EndTime: range.StartTime }))),
    'InvalidRequestException', 400, /EndTime must not be earlier than StartTime/);

  assertError(await rejection(() => xray.send(new ListRetrievedTracesCommand({ RetrievalToken: 'not-a-token' }))), 'InvalidRequestException', 400, /not one StartTraceRetrieval gives/);
  const unknown = hex(32);
  assertError(await rejection(() => xray.send(new ListRetrievedTracesCommand({ RetrievalToken: unknown }))), 'ResourceNotFoundException', 404);
  assertError(await rejection(() => xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken: unknown }))), 'ResourceNotFoundException', 404);
  assertError(await rejection(() => xray.send(new CancelTraceRetrievalCommand({ RetrievalToken: unknown }))), 'ResourceNotFoundException', 404);

  const token = await retrieve([front.trace_id]);
  assertError(await rejection(() => xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token, TraceFormat: 'JSON' }))), 'InvalidRequestException', 400, /XRAY or OTEL/);
  assertError(await rejection(() => xray.send(new CancelTraceRetrievalCommand({ RetrievalToken: token }))), 'InvalidRequestException', 400, /is COMPLETE/);
  assert.equal((await xray.send(new ListRetrievedTracesCommand({ RetrievalToken: token }))).RetrievalStatus, 'COMPLETE');
});
