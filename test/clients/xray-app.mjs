// A small service instrumented with the X-Ray SDK for Node.js, run by xray-sdk.test.mjs as its own process.
// It uses the SDK's defaults: segments over UDP and centralized sampling over TCP, both to the daemon address,
// which AWS_XRAY_DAEMON_ADDRESS overrides (as on any host whose daemon is not on 127.0.0.1:2000).
// Two HTTP servers: "tracevault-frontend" (GET /orders/N?customer=C) calls "tracevault-backend" (GET /stock/N).
// XRAY_APP_STOCK_URL (e.g. http://127.0.0.1:PORT) sends the frontend's stock calls to another service instead.
// It prints {"frontend": port, "backend": port} once both listen, and exits when its stdin closes.
import http from 'node:http';
import AWSXRay from 'aws-xray-sdk-core';
import SegmentEmitter from 'aws-xray-sdk-core/dist/lib/segment_emitter.js';

AWSXRay.captureHTTPsGlobal(http);

// Every document the SDK sends, by trace id, as it sent it (GET /emitted?trace=ID), so the test can see what was streamed.
const emitted = new Map();
const send = SegmentEmitter.send.bind(SegmentEmitter);
SegmentEmitter.send = (entity) => {
  // format() gives a subsegment its trace id: read it after.
  const document = JSON.parse(entity.format());
  emitted.set(document.trace_id, [...(emitted.get(document.trace_id) ?? []), document]);
  send(entity);
};

function tracedServer(name, handle) {
  return http.createServer((req, res) => {
    if (req.url.startsWith('/emitted?')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(emitted.get(new URL(req.url, 'http://localhost').searchParams.get('trace')) ?? []));
      return;
    }

    if (req.url === '/sampling-rules') {
      // What the SDK's centralized sampling fetched from the daemon address (GetSamplingRules), for the test to check.
      const rules = AWSXRay.middleware.sampler.ruleCache.rules.map((rule) => ({ name: rule.getName(), rate: rule.getRate() }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(rules));
      return;
    }

    // Both servers share the SDK's middleware settings; the name is read while the segment is made, synchronously.
    AWSXRay.middleware.setDefaultName(name);
    const segment = AWSXRay.middleware.traceRequestResponseCycle(req, res);
    const namespace = AWSXRay.getNamespace();
    namespace.bindEmitter(req);
    namespace.bindEmitter(res);
    namespace.run(() => {
      AWSXRay.setSegment(segment);
      handle(req, res, segment);
    });
  });
}

const backend = tracedServer('tracevault-backend', (req, res) => {
  const item = Number(req.url.split('/').pop());
  res.statusCode = item === 3 ? 500 : 200;
  res.end(JSON.stringify({ item, inStock: item !== 3 }));
});

const frontend = tracedServer('tracevault-frontend', (req, res, segment) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname.startsWith('/checkout/')) {
    checkout(url.pathname.split('/').pop(), res, segment);
    return;
  }

  if (!url.pathname.startsWith('/orders/')) {
    res.end('ok');
    return;
  }

  const item = url.pathname.split('/').pop();
  segment.addAnnotation('customer', url.searchParams.get('customer'));
  segment.setUser('user-' + item);
  AWSXRay.captureAsyncFunc('compute-price', (subsegment) => {
    setTimeout(() => {
      subsegment.addMetadata('item', item);
      subsegment.close();
      http.get(`${process.env.XRAY_APP_STOCK_URL ?? `http://127.0.0.1:${backend.address().port}`}/stock/${item}`, (answer) => {
        answer.resume();
        answer.on('end', () => {
          res.statusCode = answer.statusCode === 200 ? 200 : 502;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ traceId: segment.trace_id, segmentId: segment.id }));
        });
      });
    }, 5);
  });
});

// GET /checkout/N with the SDK streaming every subsegment that closes while another is open (setStreamingThreshold(0), as for
// long-running segments): "checkout" stays in the segment, "reserve" and "price" are sent on their own, and "lock", a subsegment
// of "reserve", is sent on its own before its parent.
function checkout(item, res, segment) {
  AWSXRay.setStreamingThreshold(0);
  const step = (name, parent, work) => AWSXRay.captureAsyncFunc(name, (subsegment) => setTimeout(() => work(subsegment), 3), parent);
  step('checkout', segment, (outer) => {
    step('reserve', outer, (reserve) => {
      step('lock', reserve, (lock) => {
        lock.addAnnotation('item', item);
        lock.close();
        reserve.close();
        step('price', outer, (price) => {
          price.addMetadata('item', item);
          price.close();
          outer.close();
          AWSXRay.setStreamingThreshold(100);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ traceId: segment.trace_id, segmentId: segment.id }));
        });
      });
    });
  });
}

await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve));
await new Promise((resolve) => frontend.listen(0, '127.0.0.1', resolve));
process.stdout.write(JSON.stringify({ frontend: frontend.address().port, backend: backend.address().port }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
