// The console as an investigation tool (issue 20) in a real browser — headless Chromium (Debian's) driven by playwright-core —
// and the partial answers of the X-Ray API with the AWS SDK for JavaScript v3: a three-service timeline nested by parent_id and
// collapsible, the trace-id box, traces under a key that cannot be used counted and named without hiding the others, the time
// range and filter kept from Traces to a timeline to the Service map, and pages at 1024 and 1400 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, PutEncryptionConfigCommand, GetEncryptionConfigCommand, PutTraceSegmentsCommand, BatchGetTracesCommand,
  GetTraceSummariesCommand,
} from '@aws-sdk/client-xray';
import { KMSClient, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials, clientConfig, credentialsFromEnv } from './support.mjs';

const xrayOnlyCredentials = credentialsFromEnv('XRAYONLY');
const screenshots = process.env.SCREENSHOTS;
const xray = new XRayClient(clientConfig());
const xrayOnly = new XRayClient(clientConfig({ credentials: xrayOnlyCredentials }));
const kms = new KMSClient(clientConfig());

let browser;
let context;
let page;

// Ids of the traces the tests look at, made below.
const hex = (bytes) => randomBytes(bytes).toString('hex');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const newTraceId = () => `1-${nowSeconds().toString(16).padStart(8, '0')}-${hex(12)}`;
const threeServices = newTraceId();
const w3cId = `${nowSeconds().toString(16).padStart(8, '0')}${hex(12)}`;
const w3cTrace = `1-${w3cId.slice(0, 8)}-${w3cId.slice(8)}`;
const underKey = newTraceId();
const underDefault = newTraceId();
let keyArn;

before(async () => {
  browser = await launchChromium();
  context = browser.context;
  page = context.pages()[0] ?? await context.newPage();
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  await page.screenshot({ path: path.join(screenshots, `console-investigation-${name}.png`), fullPage: true });
}

async function signIn(credentials) {
  await context.clearCookies();
  await page.goto(`${endpoint}/console/signin`);
  await page.fill('input[name=accessKeyId]', credentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', credentials.secretAccessKey);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  assert.equal(new URL(page.url()).pathname, '/console/traces');
}

async function submit(locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

async function put(...documents) {
  const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: documents.map((d) => JSON.stringify(d)) }));
  assert.deepEqual(UnprocessedTraceSegments, []);
}

/** Waits until BatchGetTraces gives the trace back (stored in a chunk), failing after a generous ceiling. */
async function untilReadable(traceId) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    if (Traces.length === 1) {
      return;
    }
    assert.ok(Date.now() < deadline, `${traceId} was never readable`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function useEncryption(setting) {
  await xray.send(new PutEncryptionConfigCommand(setting));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { EncryptionConfig } = await xray.send(new GetEncryptionConfigCommand({}));
    if (EncryptionConfig.Status === 'ACTIVE' && EncryptionConfig.Type === setting.Type) {
      return;
    }
    assert.ok(Date.now() < deadline, 'the setting never became ACTIVE');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A segment document of `name` lasting [start, end] seconds after `t0`, with more members. */
function segment(traceId, id, name, t0, start, end, more = {}) {
  return { trace_id: traceId, id, name, start_time: t0 + start, end_time: t0 + end, ...more };
}

/** svc-a calls svc-b (subsegment call-b), which calls svc-c (subsegment call-c); each downstream segment's parent_id names the call. */
async function putThreeServices() {
  const t0 = Date.now() / 1000 - 2;
  const a = segment(threeServices, 'a000000000000001', 'svc-a', t0, 0, 1, {
    http: { request: { method: 'GET', url: 'https://shop.example/order' }, response: { status: 200 } },
    annotations: { customer: 'c42' },
    subsegments: [segment(threeServices, 'a0000000000000c1', 'call-b', t0, 0.1, 0.8, {
      namespace: 'remote', http: { request: { method: 'POST', url: 'http://svc-b.internal/price', traced: true }, response: { status: 200 } },
    })],
  });
  const b = segment(threeServices, 'b000000000000001', 'svc-b', t0, 0.12, 0.78, {
    parent_id: 'a0000000000000c1',
    subsegments: [segment(threeServices, 'b0000000000000c1', 'call-c', t0, 0.2, 0.7, {
      namespace: 'remote', http: { request: { method: 'GET', url: 'http://svc-c.internal/stock', traced: true }, response: { status: 200 } },
    })],
  });
  const c = segment(threeServices, 'c000000000000001', 'svc-c', t0, 0.22, 0.68, {
    parent_id: 'b0000000000000c1',
    fault: true,
    cause: { working_directory: '/srv', exceptions: [{ id: 'e000000000000001', type: 'StockTimeout', message: 'the stock table timed out',
      stack: [{ path: 'stock.js', line: 42, label: 'readStock' }, { path: 'server.js', line: 7, label: 'handle' }] }] },
    subsegments: [segment(threeServices, 'c0000000000000d1', 'stock-db', t0, 0.25, 0.6, {
      namespace: 'remote', sql: { url: 'postgresql://db.internal/stock', database_type: 'PostgreSQL', sanitized_query: 'SELECT level FROM stock WHERE item = $1' },
    })],
  });
  await put(a, b, c);
}

test('set-up: a trace under a customer key, then traces under default encryption', async () => {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'investigation: traces then disabled' }));
  keyArn = KeyMetadata.Arn;
  await useEncryption({ Type: 'KMS', KeyId: keyArn });
  const t0 = Date.now() / 1000 - 1;
  await put(segment(underKey, hex(8), 'svc-keyed', t0, 0, 0.3, { annotations: { batch: 'keyed' } }));
  await untilReadable(underKey);

  await useEncryption({ Type: 'NONE' });
  await put(segment(underDefault, hex(8), 'svc-plain', t0, 0, 0.2, { annotations: { batch: 'plain' } }));
  await putThreeServices();
  await put(segment(w3cTrace, hex(8), 'svc-otel', t0, 0, 0.1));
  for (const id of [underDefault, threeServices, w3cTrace]) {
    await untilReadable(id);
  }
});

test('the timeline nests each downstream segment under the call that made it; collapsing a row hides its children', async () => {
  await signIn(adminCredentials);
  await page.goto(`${endpoint}/console/traces/${threeServices}`);
  const rows = await page.locator('#timeline details.span').evaluateAll((elements) => elements.map((e) => ({
    name: e.dataset.name,
    depth: [...e.classList].find((c) => c.startsWith('depth-')),
    // The entity of the nearest enclosing tree node that is not its own: what it is drawn under.
    under: e.parentElement.parentElement.closest('.node')?.dataset.entityId ?? null,
  })));
  assert.deepEqual(rows, [
    { name: 'svc-a', depth: 'depth-0', under: null },
    { name: 'call-b', depth: 'depth-1', under: 'a000000000000001' },
    { name: 'svc-b', depth: 'depth-2', under: 'a0000000000000c1' },
    { name: 'call-c', depth: 'depth-3', under: 'b000000000000001' },
    { name: 'svc-c', depth: 'depth-4', under: 'b0000000000000c1' },
    { name: 'stock-db', depth: 'depth-5', under: 'c000000000000001' },
  ]);

  // Every row says that it opens, and what it holds.
  const svcC = page.locator('details.span[data-name="svc-c"]');
  assert.equal(await svcC.locator('.opens').isVisible(), true, 'the row shows it opens');
  assert.match(await svcC.locator('.cue').innerText(), /exceptions/);
  assert.match(await page.locator('details.span[data-name="stock-db"] .cue').innerText(), /SQL/);
  assert.match(await page.locator('details.span[data-name="call-b"] .cue').innerText(), /HTTP/);
  await shot('timeline');

  // Opening a row shows its details: the exception with its stack, the SQL query.
  await svcC.locator('summary').click();
  const details = await svcC.locator('.span-details').innerText();
  assert.match(details, /StockTimeout the stock table timed out/);
  assert.match(details, /readStock stock\.js:42/);
  const db = page.locator('details.span[data-name="stock-db"]');
  await db.locator('summary').click();
  assert.match(await db.locator('table.sql').innerText(), /SELECT level FROM stock WHERE item = \$1/);
  await shot('timeline-details');

  // Collapsing call-b hides svc-b, call-c, svc-c and stock-db; svc-a and call-b stay.
  const callB = page.locator('.node[data-entity-id="a0000000000000c1"]');
  await callB.locator(':scope > details.calls > summary.twisty').click();
  for (const name of ['svc-b', 'call-c', 'svc-c', 'stock-db']) {
    assert.equal(await page.locator(`details.span[data-name="${name}"] > summary`).isVisible(), false, `${name} is hidden`);
  }
  for (const name of ['svc-a', 'call-b']) {
    assert.equal(await page.locator(`details.span[data-name="${name}"] > summary`).isVisible(), true, `${name} stays`);
  }
  await shot('timeline-collapsed');
  await callB.locator(':scope > details.calls > summary.twisty').click();
  assert.equal(await page.locator('details.span[data-name="svc-c"] > summary').isVisible(), true, 'expanding shows them again');

  // The raw documents are still there.
  assert.match(await page.locator('#raw-documents > summary').innerText(), /Raw segment documents, as stored \(3\)/);
});

test('the trace-id box in the navigation bar opens an X-Ray id and a W3C id; a bad or unknown id is explained', async () => {
  for (const [pasted, expected] of [[threeServices, threeServices], [w3cId, w3cTrace], [`  ${w3cId.toUpperCase()} `, w3cTrace]]) {
    await page.goto(`${endpoint}/console/keys`);
    await page.fill('#trace-lookup-id', pasted);
    await submit(page.locator('#trace-lookup button'));
    assert.equal(new URL(page.url()).pathname, `/console/traces/${expected}`, `pasting ${pasted}`);
    assert.equal(await page.locator('#timeline').count(), 1);
  }
  await shot('lookup-w3c');

  await page.fill('#trace-lookup-id', 'not-a-trace');
  await submit(page.locator('#trace-lookup button'));
  assert.match(await page.locator('#not-a-trace-id').innerText(), /neither an X-Ray trace id .* nor a W3C trace id/s);
  const bad = await page.goto(`${endpoint}/console/lookup?trace=${encodeURIComponent('<b>x</b>')}`);
  assert.equal(bad.status(), 400);
  assert.equal(await page.locator('#not-a-trace-id b').count(), 0, 'the input is shown as text');

  const unknown = `1-${nowSeconds().toString(16)}-${hex(12)}`;
  const missing = await page.goto(`${endpoint}/console/lookup?trace=${unknown}`);
  assert.equal(missing.status(), 404);
  assert.match(await page.locator('#not-found').innerText(), /No such trace in your account/);
  await shot('lookup-unknown');
});

test('the time range and filter follow the user from Traces to a timeline to the Service map and back', async () => {
  const filter = 'service("svc-a")';
  await page.goto(`${endpoint}/console/traces?range=6h&filter=${encodeURIComponent(filter)}`);
  await submit(page.locator(`#trace-table a:has-text("${threeServices}")`));
  let url = new URL(page.url());
  assert.equal(url.pathname, `/console/traces/${threeServices}`);
  assert.equal(url.searchParams.get('range'), '6h');
  assert.equal(url.searchParams.get('filter'), filter);

  await submit(page.locator('#to-service-map'));
  url = new URL(page.url());
  assert.equal(url.pathname, '/console/map');
  assert.equal(await page.locator('#range').inputValue(), '6h');

  await submit(page.locator('#to-traces'));
  assert.equal(new URL(page.url()).pathname, '/console/traces');
  assert.equal(await page.locator('#range').inputValue(), '6h');
  assert.equal(await page.locator('#filter').inputValue(), filter);

  // And from the timeline straight back to the list.
  await submit(page.locator(`#trace-table a:has-text("${threeServices}")`));
  await submit(page.locator('#back-to-traces'));
  assert.equal(await page.locator('#range').inputValue(), '6h');
  assert.equal(await page.locator('#filter').inputValue(), filter);
});

test('a reader without kms:Decrypt on one key sees the traces under the other, and is told how many are not readable and why', async () => {
  await signIn(xrayOnlyCredentials);
  await page.goto(`${endpoint}/console/traces?range=1h`);
  const listed = await page.locator('#trace-table tr[data-trace-id]').evaluateAll((rows) => rows.map((r) => r.dataset.traceId));
  assert.ok(listed.includes(underDefault), 'the readable trace is listed');
  assert.ok(!listed.includes(underKey), 'the unreadable one is not');
  assert.equal(await page.locator('#unreadable-count').innerText(), '1');
  const key = page.locator(`#unreadable li.unreadable-key[data-key-arn="${keyArn}"]`);
  assert.match(await key.innerText(), /kms:Decrypt/);
  await shot('traces-partial-no-decrypt');

  // The API: the trace under the key is unprocessed, the other comes back; the summaries leave it out and count it.
  const { Traces, UnprocessedTraceIds } = await xrayOnly.send(new BatchGetTracesCommand({ TraceIds: [underKey, underDefault] }));
  assert.deepEqual(Traces.map((t) => t.Id), [underDefault]);
  assert.deepEqual(UnprocessedTraceIds, [underKey]);
});

test('with the key disabled, the Traces page lists the readable traces and says how many are not readable and why', async () => {
  await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
  await signIn(adminCredentials);
  await page.goto(`${endpoint}/console/traces?range=1h`);
  const listed = await page.locator('#trace-table tr[data-trace-id]').evaluateAll((rows) => rows.map((r) => r.dataset.traceId));
  assert.ok(listed.includes(underDefault) && listed.includes(threeServices), 'the readable traces are listed');
  assert.ok(!listed.includes(underKey));
  assert.equal(await page.locator('#unreadable-count').innerText(), '1');
  const key = page.locator(`#unreadable li.unreadable-key[data-key-arn="${keyArn}"]`);
  assert.match(await key.innerText(), /disabled/);
  const above = await page.evaluate(() => Boolean(document.querySelector('#unreadable').compareDocumentPosition(document.querySelector('#trace-table')) & Node.DOCUMENT_POSITION_FOLLOWING));
  assert.ok(above, 'the notice is above the list');
  await shot('traces-partial-disabled');
});

test('the API with the key disabled: BatchGetTraces answers the trace unprocessed, GetTraceSummaries leaves it out and counts it', async () => {
  const { Traces, UnprocessedTraceIds } = await xray.send(new BatchGetTracesCommand({ TraceIds: [underKey, threeServices] }));
  assert.deepEqual(Traces.map((t) => t.Id), [threeServices]);
  assert.deepEqual(UnprocessedTraceIds, [underKey]);

  const headers = {};
  const client = new XRayClient(clientConfig());
  client.middlewareStack.add((next) => async (args) => {
    const result = await next(args);
    Object.assign(headers, result.response.headers);
    return result;
  }, { step: 'deserialize', name: 'captureHeaders' });
  const end = new Date();
  const { TraceSummaries } = await client.send(new GetTraceSummariesCommand({ StartTime: new Date(end - 3600_000), EndTime: end }));
  const ids = TraceSummaries.map((s) => s.Id);
  assert.ok(ids.includes(underDefault) && ids.includes(threeServices), 'the readable traces are summarized');
  assert.ok(!ids.includes(underKey));
  assert.equal(headers['x-tracevault-unreadable-traces'], '1');
  assert.equal(headers['x-tracevault-unreadable-keys'], `${keyArn} (KeyUnusable)`);

  // Only the key's own trace asked for: nothing can be read, and the refusal names the key.
  const refused = await xray.send(new BatchGetTracesCommand({ TraceIds: [underKey] })).then(() => null, (error) => error);
  assert.equal(refused?.name, 'InvalidRequestException');
  assert.ok(refused.message.includes(keyArn));
  await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
});

test('pages work at 1024 px; the Keys page\'s actions are never cut off at 1024 or 1400 px', async () => {
  for (const width of [1024, 1400]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, url] of [['traces', '/console/traces?range=1h'], ['timeline', `/console/traces/${threeServices}`], ['map', '/console/map?range=1h'],
      ['keys', '/console/keys'], ['encryption', '/console/encryption'], ['audit', '/console/audit']]) {
      await page.goto(`${endpoint}${url}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${width} px is ${overflow} px wider than the window`);
      if (name === 'keys') {
        const boxes = await page.locator('#key-table td.actions').evaluateAll((cells) => {
          const wrap = cells[0].closest('.table-wrap').getBoundingClientRect();
          return cells.flatMap((cell) => [...cell.querySelectorAll('button, input:not([type=hidden])')].map((b) => {
            const r = b.getBoundingClientRect();
            return { text: b.textContent || b.name, left: r.left, right: r.right, wrapLeft: wrap.left, wrapRight: wrap.right };
          }));
        });
        assert.ok(boxes.length > 0);
        for (const box of boxes) {
          assert.ok(box.right <= box.wrapRight + 0.5 && box.left >= box.wrapLeft - 0.5 && box.right <= width,
            `at ${width} px the "${box.text}" control (${box.left}–${box.right}) is cut off (table shows ${box.wrapLeft}–${box.wrapRight})`);
        }
      }
      await shot(`${name}-${width}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 860 });
});
