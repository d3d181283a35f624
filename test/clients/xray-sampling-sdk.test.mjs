// Issue 19's acceptance with the X-Ray SDK for Node.js and its defaults: a rule created through the AWS SDK with FixedRate 1
// for a service makes the SDK trace every one of its requests, while the Default rule traces few of another service's; updated
// to FixedRate 0 and ReservoirSize 1, about one request a second is traced. The SDK fetches its rules from the server as from
// its daemon (unsigned POST /GetSamplingRules on the daemon address) when it starts and then every five minutes: the SDK reads
// LastRuleModification as milliseconds (aws-xray-sdk-core 3.12's dateToEpoch), so it never re-fetches sooner, with X-Ray as here;
// the test starts the service again after the update rather than wait five minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { XRayClient, CreateSamplingRuleCommand, UpdateSamplingRuleCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';

const xray = new XRayClient(clientConfig());
const startTime = new Date(Date.now() - 60_000);
const requests = 50;
let app;
let ports;

/** Retries `attempt` until it returns something, failing after `timeoutMs`: a ceiling for a loaded machine, not a speed claim. */
async function poll(what, timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result) {
      return result;
    }
    assert.ok(Date.now() < deadline, `${what}: never, within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function sampledOf(port) {
  let sampled = 0;
  const traceIds = [];
  for (let i = 0; i < requests; i++) {
    const answer = await (await fetch(`http://127.0.0.1:${port}/work`)).json();
    if (answer.sampled) {
      sampled++;
      traceIds.push(answer.traceId);
    }
  }
  return { sampled, traceIds };
}

/** Starts the instrumented services; returns the process and its ports. */
async function startApp() {
  const child = spawn(process.execPath, ['xray-sampling-app.mjs'], { cwd: import.meta.dirname, stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return [child, JSON.parse(line)];
}

/** Starts the SDK's pollers with one request and waits until the rules it fetched satisfy `ready`. */
async function rulesFetched(port, ready) {
  await fetch(`http://127.0.0.1:${port}/work`);
  return poll('the SDK fetched the rules', 60_000, async () => {
    const fetched = await (await fetch(`http://127.0.0.1:${port}/sampling-rules`)).json();
    return ready(fetched) ? fetched : null;
  });
}

before(async () => {
  assert.ok(process.env.AWS_XRAY_DAEMON_ADDRESS, 'AWS_XRAY_DAEMON_ADDRESS names the server');
  // Created before the service starts: the SDK fetches rules at its first request, then every five minutes.
  await xray.send(new CreateSamplingRuleCommand({
    SamplingRule: {
      RuleName: 'checkout-everything', ResourceARN: '*', Priority: 1, FixedRate: 1, ReservoirSize: 0, ServiceName: 'sampling-checkout',
      ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
    },
  }));
  [app, ports] = await startApp();
});

after(() => app?.stdin.end());

test('a FixedRate 1 rule for a service traces all its requests; the Default rule traces few of another', async () => {
  // The first request starts the SDK's pollers; its decision falls back to local rules while the fetch is on its way.
  const rules = await rulesFetched(ports.checkout, (fetched) => fetched.length > 0);
  assert.deepEqual(rules, [{ name: 'checkout-everything', rate: 1 }, { name: 'Default', rate: 0.05 }]);

  const checkout = await sampledOf(ports.checkout);
  assert.equal(checkout.sampled, requests, 'every request of the service the rule names is traced');

  const started = Date.now();
  const other = await sampledOf(ports.other);
  const seconds = Math.ceil((Date.now() - started) / 1000);
  // Default: one request a second from the reservoir, then 5 %. Bounded by the time the requests took, not by a speed claim.
  assert.ok(other.sampled <= seconds + 1 + requests * 0.3, `${other.sampled} of ${requests} traced under Default in ${seconds} s`);
  assert.ok(other.sampled < requests / 2, `${other.sampled} of ${requests} traced under Default`);

  // What was traced arrives: every sampled request of the checkout service is a stored trace.
  const wanted = new Set(checkout.traceIds);
  await poll('every traced checkout request is stored', 60_000, async () => {
    const found = new Set();
    let NextToken;
    do {
      const page = await xray.send(new GetTraceSummariesCommand({
        StartTime: startTime, EndTime: new Date(Date.now() + 60_000), FilterExpression: 'service("sampling-checkout")', NextToken,
      }));
      for (const summary of page.TraceSummaries ?? []) {
        found.add(summary.Id);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return [...wanted].every((id) => found.has(id));
  });
});

test('updated to FixedRate 0 and ReservoirSize 1, the rule traces about one request a second', async () => {
  await xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'checkout-everything', FixedRate: 0, ReservoirSize: 1 } }));
  const [restarted, restartedPorts] = await startApp();
  try {
    await rulesFetched(restartedPorts.checkout, (fetched) => fetched.some((r) => r.name === 'checkout-everything' && r.rate === 0));
    const started = Date.now();
    const { sampled } = await sampledOf(restartedPorts.checkout);
    const seconds = Math.ceil((Date.now() - started) / 1000);
    // One a second from the reservoir (the seconds the requests spanned, counted from both ends), nothing beyond it.
    assert.ok(sampled >= 1 && sampled <= seconds + 1, `${sampled} of ${requests} traced in ${seconds} s`);
  } finally {
    restarted.stdin.end();
  }
});
