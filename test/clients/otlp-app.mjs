// Two services traced with the OpenTelemetry SDK for Node.js (sdk-trace-node, batch span processor, one of the three OTLP
// exporters), as an application instruments itself: otel-frontend serves /orders/:item, computes a price and calls
// otel-backend over HTTP, passing the trace on in `traceparent` (W3C) or `X-Amzn-Trace-Id` (the AWS X-Ray propagator).
import http from 'node:http';
import { once } from 'node:events';
import { context, propagation, trace, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-node';

const exporters = {
  proto: () => import('@opentelemetry/exporter-trace-otlp-proto'),
  http: () => import('@opentelemetry/exporter-trace-otlp-http'),
  grpc: () => import('@opentelemetry/exporter-trace-otlp-grpc'),
};

/**
 * Starts both services. `exporter` is proto, http or grpc; `url` the exporter's endpoint, or undefined for its default
 * (which reads OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318 or :4317). `propagator` is w3c or xray.
 */
export async function startServices({ exporter, url, propagator = 'w3c' }) {
  const { OTLPTraceExporter } = await exporters[exporter]();
  const carrier = propagator === 'xray' ? new AWSXRayPropagator() : new W3CTraceContextPropagator();
  const providers = [];
  const tracerOf = (serviceName) => {
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.4.2', 'deployment.environment': 'test' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(url ? { url } : {}))],
    });
    providers.push(provider);
    return provider.getTracer('tracevault-otlp-test', '0.1.0');
  };
  const frontendTracer = tracerOf('otel-frontend');
  const backendTracer = tracerOf('otel-backend');

  const backend = http.createServer((request, response) => {
    const parent = carrier.extract(context.active(), request.headers, defaultTextMapGetter);
    const item = Number(request.url.split('/').pop());
    const span = backendTracer.startSpan('GET /stock/:item', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'url.path': request.url, 'server.address': '127.0.0.1', 'http.route': '/stock/:item', item },
    }, parent);
    const status = item === 3 ? 500 : 200;
    if (status === 500) {
      const error = new Error(`stock service failed for item ${item}`);
      error.name = 'StockUnavailable';
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.addEvent('stock.checked', { 'stock.level': 7 });
    span.setAttribute('http.response.status_code', status);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ item }));
    span.end();
  });

  const frontend = http.createServer(async (request, response) => {
    const requestUrl = new URL(request.url, 'http://127.0.0.1');
    if (requestUrl.pathname === '/flush') {
      await Promise.all(providers.map((p) => p.forceFlush()));
      response.writeHead(204).end();
      return;
    }
    const parent = carrier.extract(context.active(), request.headers, defaultTextMapGetter);
    const item = Number(requestUrl.pathname.split('/').pop());
    const customer = requestUrl.searchParams.get('customer');
    const span = frontendTracer.startSpan('GET /orders/:item', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.full': `http://127.0.0.1:${frontend.address().port}${request.url}`,
        'http.route': '/orders/:item',
        'user_agent.original': request.headers['user-agent'] ?? '',
        'enduser.id': `user-${item}`,
        customer,
        'order.item': item,
        'order.secret': process.env.OTLP_CANARY ?? 'none',
        tags: ['a', 'b'],
      },
    }, parent);
    const inSpan = trace.setSpan(parent, span);
    const price = frontendTracer.startSpan('compute-price', { attributes: { item, 'price.cents': item * 250 } }, inSpan);
    price.addEvent('price.rule.applied', { rule: 'bulk', canary: process.env.OTLP_CANARY ?? 'none' });
    price.end();

    const stockUrl = `http://127.0.0.1:${backend.address().port}/stock/${item}`;
    const call = frontendTracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': stockUrl, 'server.address': '127.0.0.1', 'peer.service': 'otel-backend' },
    }, inSpan);
    const headers = {};
    carrier.inject(trace.setSpan(inSpan, call), headers, defaultTextMapSetter);
    const stock = await fetch(stockUrl, { headers });
    await stock.arrayBuffer();
    call.setAttribute('http.response.status_code', stock.status);
    call.end();

    const status = stock.status === 200 ? 200 : 502;
    span.setAttribute('http.response.status_code', status);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      callId: call.spanContext().spanId,
    }));
    span.end();
  });

  backend.listen(0, '127.0.0.1');
  frontend.listen(0, '127.0.0.1');
  await Promise.all([once(backend, 'listening'), once(frontend, 'listening')]);
  return {
    frontendPort: frontend.address().port,
    backendPort: backend.address().port,
    flush: () => Promise.all(providers.map((p) => p.forceFlush())),
    async close() {
      await Promise.all(providers.map((p) => p.shutdown()));
      backend.close();
      frontend.close();
    },
  };
}
