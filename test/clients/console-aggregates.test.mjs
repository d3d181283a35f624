// The console's aggregates (issue 20) in headless Chromium: the service map of every trace of the range, built from the
// statistics kept at ingest (not the newest 200 traces), each node a link to the Traces page filtered to it, each edge a link
// to its panel (its calls by response time, each bar a link to its traces in that time); a wide fan-out wrapped to fit; a
// group's map and a panel's bar counting every trace they pick, from the trace facts kept at ingest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { XRayClient, PutTraceSegmentsCommand, CreateGroupCommand } from '@aws-sdk/client-xray';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials, clientConfig } from './support.mjs';

const screenshots = process.env.SCREENSHOTS;
const xray = new XRayClient(clientConfig());

let browser;
let page;

const hex = (bytes) => randomBytes(bytes).toString('hex');
const traceIdAt = (seconds) => `1-${Math.floor(seconds).toString(16).padStart(8, '0')}-${hex(12)}`;

before(async () => {
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? await browser.context.newPage();
  await page.goto(`${endpoint}/console/signin`);
  await page.fill('input[name=accessKeyId]', adminCredentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', adminCredentials.secretAccessKey);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  await page.screenshot({ path: path.join(screenshots, `console-aggregates-${name}.png`), fullPage: true });
}

/** A trace of `gateway` calling `orders` (both instrumented, sent together), started at `start`, lasting `seconds`. */
function trace(start, seconds, { fault = false, service = 'gateway', callee = 'orders' } = {}) {
  const id = traceIdAt(start);
  const root = hex(8);
  const call = hex(8);
  const end = start + seconds;
  return [
    {
      trace_id: id, id: root, name: service, start_time: start, end_time: end, fault,
      http: { response: { status: fault ? 502 : 200 } },
      subsegments: [{ id: call, name: callee, namespace: 'remote', start_time: start + 0.001, end_time: end - 0.001, fault }],
    },
    {
      trace_id: id, id: hex(8), parent_id: call, name: callee, start_time: start + 0.001, end_time: end - 0.001, fault,
      http: { response: { status: fault ? 500 : 200 } },
    },
  ];
}

/** Sends documents in batches of 500 with PutTraceSegments, each accepted whole. */
async function send(documents) {
  for (let i = 0; i < documents.length; i += 500) {
    const batch = documents.slice(i, i + 500).map((d) => JSON.stringify(d));
    const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: batch }));
    assert.deepEqual(UnprocessedTraceSegments, []);
  }
}

/** Loads `url` until `locator`'s text satisfies `ok`, failing after a generous ceiling. */
async function until(url, selector, ok, what) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    await page.goto(url);
    const element = page.locator(selector);
    const text = (await element.count()) > 0 ? await element.textContent() : '';
    if (ok(text)) {
      return text;
    }
    assert.ok(Date.now() < deadline, `${what} never held; last: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('the service map counts every one of 2,000 traces of the range and its nodes and edges list their traces', async () => {
  const now = Date.now() / 1000;
  const documents = [];
  for (let i = 0; i < 2000; i++) {
    // Spread over the ten minutes before the last one; every tenth faults.
    documents.push(...trace(now - 660 + (i * 0.3), 0.05, { fault: i % 10 === 0 }));
  }
  await send(documents);

  const map = `${endpoint}/console/map?range=1h`;
  await until(map, 'svg#service-map g.node[data-service="gateway"] title', (t) => t.startsWith('gateway: 2,000 req'), 'the map counting 2,000 gateway requests');
  assert.equal(await page.locator('#map-requests').innerText(), '2,000');
  const gateway = page.locator('svg#service-map g.node[data-service="gateway"]');
  assert.match(await gateway.locator('title').textContent(), /^gateway: 2,000 req · avg 50 ms, errors 0% · faults 10% · throttles 0%$/);
  assert.match(await page.locator('svg#service-map g.node[data-service="orders"] title').textContent(), /2,000 req/);
  const edge = page.locator('svg#service-map g.edge[data-from="gateway"][data-to="orders"]');
  assert.match(await edge.locator('title').textContent(), /^gateway → orders: 2,000 req · avg 48 ms, errors 0% · faults 10%/);
  assert.match(await page.locator('#client-node title').textContent(), /^Clients: 2,000 req/);
  await shot('map');

  // The edge is a link to its panel, carrying the range; the panel links to the Traces page filtered to it.
  const edgeHref = new URL(await page.locator('svg#service-map a.edge-link:has(g.edge[data-from="gateway"][data-to="orders"])').getAttribute('href'), endpoint);
  assert.equal(edgeHref.pathname, '/console/map');
  assert.equal(edgeHref.searchParams.get('caller'), 'gateway');
  assert.equal(edgeHref.searchParams.get('callee'), 'orders');
  assert.equal(edgeHref.searchParams.get('range'), '1h');
  await page.goto(edgeHref.href);
  const allHref = new URL(await page.locator('#edge-traces').getAttribute('href'), endpoint);
  assert.equal(allHref.pathname, '/console/traces');
  assert.equal(allHref.searchParams.get('filter'), 'edge("gateway", "orders")');
  assert.equal(allHref.searchParams.get('range'), '1h');
  await page.goto(map);

  // Clicking a service lists its traces, the range carried.
  await Promise.all([page.waitForNavigation(), gateway.locator('rect').click()]);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/console/traces');
  assert.equal(url.searchParams.get('filter'), 'service("gateway")');
  assert.equal(url.searchParams.get('range'), '1h');
  assert.equal(await page.locator('#filter').inputValue(), 'service("gateway")');
  assert.ok(await page.locator('#trace-table tr[data-trace-id]').count() > 0, 'the service\'s traces are listed');
  await shot('map-to-traces');

  // A node's panel: its own response-time histogram, each bar a link to the traces in which it answered in that time.
  await page.goto(map);
  await Promise.all([page.waitForNavigation(), page.locator('svg#service-map a.node-details[data-service="gateway"] text').click()]);
  assert.equal(new URL(page.url()).searchParams.get('service'), 'gateway');
  assert.equal(await page.locator('#node-histogram-total').innerText(), '2,000');
  const bars = await page.locator('#node-panel g.bar').evaluateAll((gs) => gs.map((g) => Number(g.dataset.count)));
  assert.deepEqual(bars, [2000], 'every gateway request took 50 ms: one bar');
  await shot('map-node-panel');
  await Promise.all([page.waitForNavigation(), page.locator('#node-panel g.bar rect.bar-fill').click()]);
  const filter = new URL(page.url()).searchParams.get('filter');
  assert.match(filter, /^service\("gateway"\) \{ responsetime > [0-9.]+ AND responsetime <= [0-9.]+ \}$/);
  assert.ok(await page.locator('#trace-table tr[data-trace-id]').count() > 0, 'the bar\'s traces are listed');
});

test('the Traces page draws every trace of the range by response time; the slowest bar lists exactly its traces', async () => {
  // A range of ten whole minutes three hours ago, holding only these 60 traces of a known latency mix.
  const from = (Math.floor(Date.now() / 60_000) - 180) * 60;
  const mix = [[30, 0.003], [20, 0.3], [7, 1.5], [3, 7]];
  const documents = [];
  const slowest = [];
  let n = 0;
  for (const [count, seconds] of mix) {
    for (let i = 0; i < count; i++, n++) {
      const docs = trace(from + 30 + (n * 4), seconds, { service: 'checkout', callee: 'stock', fault: seconds === 7 && i === 0 });
      documents.push(...docs);
      if (seconds === 7) {
        slowest.push(docs[0].trace_id);
      }
    }
  }
  await send(documents);

  const minute = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);
  const range = `range=custom&start=${minute(from)}&end=${minute(from + 600)}`;
  await until(`${endpoint}/console/traces?${range}`, '#histogram-total', (t) => t === '60', 'the histogram counting 60 traces');
  const bars = page.locator('svg#response-times g.bar');
  const counts = await bars.evaluateAll((gs) => gs.map((g) => [Number(g.dataset.bucket), Number(g.dataset.count)]).filter(([, c]) => c > 0));
  // Buckets of the kept statistics: 0.003 s in (2 ms, 5 ms], 0.3 s in (200 ms, 500 ms], 1.5 s in (1 s, 2 s], 7 s in (5 s, 10 s].
  assert.deepEqual(counts, [[2, 30], [8, 20], [10, 7], [12, 3]]);
  assert.equal(counts.reduce((sum, [, c]) => sum + c, 0), 60, 'the bars add up to the traces of the range');
  assert.equal(await page.locator('#histogram-fault').innerText(), '1');
  await shot('histogram');

  await Promise.all([page.waitForNavigation(), bars.last().locator('rect.bar-fill').click()]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('filter'), 'responsetime > 5 AND responsetime <= 10');
  assert.equal(url.searchParams.get('range'), 'custom');
  assert.equal(url.searchParams.get('start'), minute(from));
  const listed = await page.locator('#trace-table tr[data-trace-id]').evaluateAll((rows) => rows.map((r) => r.dataset.traceId));
  assert.deepEqual(listed.sort(), [...slowest].sort(), 'exactly the slowest bar\'s traces are listed');
  // Read from the matching traces now, the bar splits by outcome.
  assert.equal(await page.locator('#histogram-total').innerText(), '3');
  const bar = page.locator('svg#response-times g.bar[data-bucket="12"]');
  assert.equal(await bar.getAttribute('data-ok'), '2');
  assert.equal(await bar.getAttribute('data-fault'), '1');
  await shot('histogram-slowest');
});

/** A trace of `caller` (lasting `seconds`) calling `callee` once (lasting `callSeconds`), started at `start`. */
function call(start, seconds, callSeconds, { caller, callee, fault = false }) {
  const id = traceIdAt(start);
  const subsegment = hex(8);
  return [
    {
      trace_id: id, id: hex(8), name: caller, start_time: start, end_time: start + seconds, fault,
      http: { response: { status: fault ? 502 : 200 } },
      subsegments: [{ id: subsegment, name: callee, namespace: 'remote', start_time: start + 0.001, end_time: start + 0.001 + callSeconds, fault }],
    },
    {
      trace_id: id, id: hex(8), parent_id: subsegment, name: callee, start_time: start + 0.001, end_time: start + 0.001 + callSeconds, fault,
      http: { response: { status: fault ? 500 : 200 } },
    },
  ];
}

/** Clicks the map's edge from `from` to `to` 6 px beside its line (inside its wide hit area, outside the 2 px line), following the link. */
async function clickEdge(from, to) {
  const box = await page.locator(`svg#service-map g.edge[data-from="${from}"][data-to="${to}"] path.edge-line`).boundingBox();
  assert.ok(box, `the edge ${from} → ${to} is drawn`);
  await Promise.all([page.waitForNavigation(), page.mouse.click(box.x + (box.width / 2), box.y + (box.height / 2) + 6)]);
}

/** The trace ids the Traces page lists. */
async function listed() {
  return (await page.locator('#trace-table tr[data-trace-id]').evaluateAll((rows) => rows.map((r) => r.dataset.traceId))).sort();
}

test('clicking an edge of the map opens its panel, counting its calls as kept; its slowest bar lists exactly the traces with such a call', async () => {
  // Ten whole minutes five hours ago holding only these 45 traces of cart calling pricing once each.
  const from = (Math.floor(Date.now() / 60_000) - 300) * 60;
  const mix = [
    // [traces, cart's response time, the call's response time, fault]
    [30, 0.035, 0.03, false], // 5 of these are slow in cart itself, below: the call is fast all the same
    [6, 0.305, 0.3, false],
    [4, 0.305, 0.3, true],
    [5, 3.005, 3, false],
  ];
  const documents = [];
  const slowCalls = [];
  const slowTraces = [];
  let n = 0;
  for (const [count, seconds, callSeconds, fault] of mix) {
    for (let i = 0; i < count; i++, n++) {
      const slowCart = callSeconds === 0.03 && i < 5;
      const docs = call(from + 30 + (n * 4), slowCart ? 3.5 : seconds, callSeconds, { caller: 'cart', callee: 'pricing', fault });
      documents.push(...docs);
      if (callSeconds === 3) {
        slowCalls.push(docs[0].trace_id);
      }
      if (callSeconds === 3 || slowCart) {
        slowTraces.push(docs[0].trace_id);
      }
    }
  }
  await send(documents);

  const minute = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);
  const range = `range=custom&start=${minute(from)}&end=${minute(from + 600)}`;
  const map = `${endpoint}/console/map?${range}`;
  await until(map, 'svg#service-map g.edge[data-from="cart"][data-to="pricing"] title', (t) => t.startsWith('cart → pricing: 45 req'), 'the map counting 45 calls');

  // The edge's panel: its calls as the statistics keep them (45, avg (30 × 30 ms + 10 × 300 ms + 5 × 3 s) / 45 = 420 ms, 4 faults).
  await clickEdge('cart', 'pricing');
  const url = new URL(page.url());
  assert.equal(url.pathname, '/console/map');
  assert.equal(url.searchParams.get('caller'), 'cart');
  assert.equal(url.searchParams.get('callee'), 'pricing');
  assert.equal(url.searchParams.get('range'), 'custom');
  assert.equal(url.searchParams.get('start'), minute(from));
  assert.equal(await page.locator('#edge-histogram-total').innerText(), '45');
  assert.match(await page.locator('#edge-panel .histogram-caption').innerText(), /^cart → pricing: 45 req · avg 420 ms, errors 0% · faults 8\.9% · throttles 0%\./);
  const bars = page.locator('#edge-panel g.bar');
  const counts = await bars.evaluateAll((gs) => gs.map((g) => [Number(g.dataset.bucket), Number(g.dataset.count)]).filter(([, c]) => c > 0));
  // 30 ms in (20 ms, 50 ms], 300 ms in (200 ms, 500 ms], 3 s in (2 s, 5 s]: the calls' own times, not cart's.
  assert.deepEqual(counts, [[5, 30], [8, 10], [11, 5]]);
  assert.equal(new URL(await page.locator('#edge-traces').getAttribute('href'), endpoint).searchParams.get('filter'), 'edge("cart", "pricing")');
  await shot('map-edge-panel');

  // Its slowest bar lists exactly the 5 traces whose call took 3 s, not the 5 more in which cart alone was slow.
  await Promise.all([page.waitForNavigation(), bars.last().locator('rect.bar-fill').click()]);
  const slowest = new URL(page.url());
  assert.equal(slowest.searchParams.get('filter'), 'edge("cart", "pricing") { responsetime > 2 AND responsetime <= 5 }');
  assert.equal(slowest.searchParams.get('start'), minute(from));
  assert.deepEqual(await listed(), [...slowCalls].sort(), 'exactly the slowest bar\'s traces are listed');

  // The client node's edge into cart: its 45 entry requests by cart's own time; its slowest bar, the 10 traces cart took over 2 s.
  await page.goto(map);
  await clickEdge('client', 'cart');
  assert.equal(new URL(page.url()).searchParams.get('callee'), 'cart');
  assert.equal(new URL(page.url()).searchParams.get('caller'), null);
  assert.equal(await page.locator('#edge-histogram-total').innerText(), '45');
  const entries = page.locator('#edge-panel g.bar');
  assert.equal(await entries.last().getAttribute('data-count'), '10');
  await Promise.all([page.waitForNavigation(), entries.last().locator('rect.bar-fill').click()]);
  assert.equal(new URL(page.url()).searchParams.get('filter'), 'service("cart") { root AND responsetime > 2 AND responsetime <= 5 }');
  assert.deepEqual(await listed(), [...slowTraces].sort(), 'exactly the traces cart took over 2 s are listed');
});

test('a map of 50 services, one calling the other 49, wraps their column and fits a reasonable height', async () => {
  // Ten whole minutes seven hours ago: hub calls each of 49 services once.
  const from = (Math.floor(Date.now() / 60_000) - 420) * 60;
  const documents = [];
  for (let i = 0; i < 49; i++) {
    documents.push(...call(from + 30 + (i * 4), 0.05, 0.02 + (i * 0.001), { caller: 'hub', callee: `service-${String(i).padStart(2, '0')}`, fault: i % 7 === 0 }));
  }
  await send(documents);

  const minute = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);
  const map = `${endpoint}/console/map?range=custom&start=${minute(from)}&end=${minute(from + 600)}`;
  await until(map, '#map-counts', (t) => t.startsWith('50 services, 49 connections'), 'the map of 50 services');
  const svg = page.locator('svg#service-map');
  assert.ok(Number(await svg.getAttribute('height')) <= 2700, `the map is ${await svg.getAttribute('height')} units tall`);
  // No two boxes (and so no two services' names) overlap as Chromium draws them.
  const boxes = await page.locator('svg#service-map g.node rect').evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().toJSON()));
  assert.equal(boxes.length, 51);
  const overlaps = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
  assert.deepEqual(overlaps, []);
  await shot('map-fan-out');
});

test('a filter counts every matching trace of the range, not only the newest; a call whose two segments came in separate requests is found', async () => {
  // Ten whole minutes eight hours ago holding 6,000 traces of shop calling stock, every third one a gold customer's, and one
  // trace of split-a calling split-b whose two segments are sent one request after the other (so they are stored apart).
  const from = (Math.floor(Date.now() / 60_000) - 480) * 60;
  const documents = [];
  let slowGold = 0;
  for (let i = 0; i < 6000; i++) {
    const seconds = i % 10 === 0 ? 1.5 : 0.03;
    const docs = trace(from + 30 + (i * 0.09), seconds, { service: 'shop', callee: 'stock' });
    const gold = i % 3 === 0;
    docs[0].annotations = { tier: gold ? 'gold' : 'silver' };
    if (gold && seconds === 1.5) {
      slowGold++;
    }
    documents.push(...docs);
  }
  await send(documents);
  const [caller, callee] = call(from + 300, 0.5, 0.2, { caller: 'split-a', callee: 'split-b' });
  await send([callee]);
  await send([caller]);

  const minute = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);
  const range = `range=custom&start=${minute(from)}&end=${minute(from + 600)}`;
  const gold = encodeURIComponent('annotation.tier = "gold"');
  await until(`${endpoint}/console/traces?${range}&filter=${gold}`, '#histogram-total', (t) => t === '2,000', 'the histogram counting all 2,000 gold traces');
  assert.equal(await page.locator('#histogram-in-range').innerText(), '6,001', 'every trace of the range was counted');
  assert.equal(await page.locator('#trace-table tr[data-trace-id]').count(), 50, 'one page of them is listed');
  const bars = page.locator('svg#response-times g.bar');
  const counts = await bars.evaluateAll((gs) => gs.map((g) => [Number(g.dataset.bucket), Number(g.dataset.count)]).filter(([, c]) => c > 0));
  assert.deepEqual(counts, [[5, 2000 - slowGold], [10, slowGold]], 'the gold traces by response time: 30 ms in (20 ms, 50 ms], 1.5 s in (1 s, 2 s]');
  await shot('histogram-every-match');

  // The page after the first, and so on, list each gold trace once.
  const seen = new Set();
  let url = `${endpoint}/console/traces?${range}&filter=${gold}`;
  for (let pages = 0; pages < 3; pages++) {
    await page.goto(url);
    for (const id of await listed()) {
      assert.ok(!seen.has(id), `trace ${id} listed on two pages`);
      seen.add(id);
    }
    url = await page.locator('#next-page').getAttribute('href');
    url = new URL(url, endpoint).toString();
  }
  assert.equal(seen.size, 150);

  const edge = encodeURIComponent('edge("split-a", "split-b")');
  await page.goto(`${endpoint}/console/traces?${range}&filter=${edge}`);
  assert.equal(await page.locator('#histogram-total').innerText(), '1', 'the call is counted though its segments were stored apart');
  assert.deepEqual(await listed(), [caller.trace_id]);

  // A node's bar counts every trace in which the service answered in that time: 5,400 of shop's 6,000 took 30 ms.
  const map = `${endpoint}/console/map?${range}`;
  await page.goto(map);
  await Promise.all([page.waitForNavigation(), page.locator('svg#service-map a.node-details[data-service="shop"] text').click()]);
  const fast = page.locator('#node-panel g.bar[data-count="5400"]');
  assert.equal(await fast.count(), 1, 'shop answered 5,400 times in 30 ms');
  await Promise.all([page.waitForNavigation(), fast.locator('rect.bar-fill').click()]);
  assert.equal(new URL(page.url()).searchParams.get('filter'), 'service("shop") { responsetime > 0.02 AND responsetime <= 0.05 }');
  assert.equal(await page.locator('#histogram-total').innerText(), '5,400', 'every trace of the bar is counted, not the newest 5,000');
  assert.equal(await page.locator('#trace-table tr[data-trace-id]').count(), 50);
  await shot('node-bar-every-trace');

  // A group's map is drawn from every trace its filter picks (not the newest 200): the 2,000 gold ones, and with a sub-filter
  // on the service's own requests, the 600 in which shop took over a second.
  const suffix = hex(4);
  await xray.send(new CreateGroupCommand({ GroupName: `gold-${suffix}`, FilterExpression: 'annotation.tier = "gold"' }));
  await xray.send(new CreateGroupCommand({ GroupName: `slow-shop-${suffix}`, FilterExpression: 'service("shop") { responsetime > 1 }' }));
  await page.goto(`${map}&group=gold-${suffix}`);
  assert.equal(await page.locator('#map-traces').innerText(), '2,000');
  assert.equal(await page.locator('#map-in-range').innerText(), '6,001');
  assert.match(await page.locator('svg#service-map g.node[data-service="shop"] title').textContent(), /^shop: 2,000 req · /);
  assert.match(await page.locator('svg#service-map g.edge[data-from="shop"][data-to="stock"] title').textContent(), /^shop → stock: 2,000 req · /);
  assert.equal(await page.locator('svg#service-map g.node[data-service="split-a"]').count(), 0, 'split-a is no gold trace');
  await shot('map-group-every-trace');
  await page.goto(`${map}&group=slow-shop-${suffix}`);
  assert.equal(await page.locator('#map-traces').innerText(), '600');
  assert.match(await page.locator('svg#service-map g.node[data-service="shop"] title').textContent(), /^shop: 600 req · avg 1\.50 s/);
  assert.match(await page.locator('#client-node title').textContent(), /^Clients: 600 req/);
});
