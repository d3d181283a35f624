// Two services instrumented with the X-Ray SDK for Node.js with its defaults (centralized sampling through the daemon address,
// which AWS_XRAY_DAEMON_ADDRESS names), run by xray-sampling-sdk.test.mjs as their own process: "sampling-checkout" and
// "sampling-other". GET /work answers whether the SDK sampled the request; GET /sampling-rules the rules (name, rate) the SDK fetched.
// It prints {"checkout": port, "other": port} once both listen, and exits when its stdin closes.
import http from 'node:http';
import AWSXRay from 'aws-xray-sdk-core';

function tracedServer(name) {
  return http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/sampling-rules') {
      res.end(JSON.stringify(AWSXRay.middleware.sampler.ruleCache.rules.map((rule) => ({ name: rule.getName(), rate: rule.getRate() }))));
      return;
    }

    AWSXRay.middleware.setDefaultName(name);
    const segment = AWSXRay.middleware.traceRequestResponseCycle(req, res);
    res.end(JSON.stringify({ sampled: !segment.notTraced, traceId: segment.trace_id }));
  });
}

const checkout = tracedServer('sampling-checkout');
const other = tracedServer('sampling-other');
await new Promise((resolve) => checkout.listen(0, '127.0.0.1', resolve));
await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
process.stdout.write(JSON.stringify({ checkout: checkout.address().port, other: other.address().port }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
