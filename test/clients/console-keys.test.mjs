// The console's keys, Encryption page, key-unusable notification and audit trail in a real browser: headless Chromium
// (Debian's) driven by playwright-core, with segments sent over UDP as the X-Ray daemon protocol carries them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials, credentialsFromEnv } from './support.mjs';

const xrayOnly = credentialsFromEnv('XRAYONLY');
const udpPort = Number(process.env.UDP_PORT);
const storedTraceId = process.env.STORED_TRACE_ID;
const droppedTraceId = process.env.DROPPED_TRACE_ID;
const screenshots = process.env.SCREENSHOTS;
const alias = 'alias/console-traces';

let browser;
let context;
let page;
let keyId;

before(async () => {
  browser = await launchChromium();
  context = browser.context;
  page = context.pages()[0] ?? await context.newPage();
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  await page.screenshot({ path: path.join(screenshots, `console-${name}.png`), fullPage: true });
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

/** Reloads `url` until `check` holds, failing after a generous `seconds` (a ceiling, not a speed claim); returns how long it took. */
async function until(url, seconds, check, what) {
  const start = Date.now();
  for (;;) {
    await page.goto(url);
    if (await check()) {
      return (Date.now() - start) / 1000;
    }
    if (Date.now() - start > seconds * 1000) {
      assert.fail(`${what}: not within ${seconds} s`);
    }
    await page.waitForTimeout(250);
  }
}

function sendUdp(document) {
  const socket = dgram.createSocket('udp4');
  const datagram = Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(document)}`);
  return new Promise((resolve, reject) => socket.send(datagram, udpPort, '127.0.0.1', (error) => {
    socket.close();
    return error ? reject(error) : resolve();
  }));
}

/** A frontend segment that calls backend (a remote subsegment), and backend's own segment: one service-map edge. */
async function sendTrace(traceId, tag) {
  const now = Date.now() / 1000;
  await sendUdp({
    trace_id: traceId, id: `${tag}00000000000001`.slice(0, 16), name: 'udp-frontend', start_time: now - 1, end_time: now - 0.5,
    http: { request: { method: 'GET', url: 'https://shop.example/udp' }, response: { status: 200 } },
    annotations: { stage: tag },
    subsegments: [{ id: `${tag}0000000000000a`.slice(0, 16), name: 'udp-backend', namespace: 'remote', start_time: now - 0.9, end_time: now - 0.6,
      http: { request: { method: 'GET', url: 'http://backend.internal/udp', traced: true }, response: { status: 200 } } }],
  });
  await sendUdp({
    trace_id: traceId, id: `${tag}00000000000002`.slice(0, 16), parent_id: `${tag}0000000000000a`.slice(0, 16), name: 'udp-backend',
    start_time: now - 0.88, end_time: now - 0.62, subsegments: [{ id: `${tag}0000000000000b`.slice(0, 16), name: 'read-stock', start_time: now - 0.85, end_time: now - 0.7 }],
  });
}

const banner = () => page.locator('#notifications #key-unusable');
const keyRow = () => page.locator(`#key-table tr[data-key-id="${keyId}"]`);

test('create a key and an alias on the Keys page, choose it on the Encryption page, see UPDATING become ACTIVE', async () => {
  await signIn(adminCredentials);
  await submit(page.locator('nav >> text=Keys'));
  assert.equal(new URL(page.url()).pathname, '/console/keys');
  await page.click('#create-key summary');
  await page.fill('#create-alias', alias);
  await page.fill('#create-description', 'Trace data, chosen in the console');
  await submit(page.locator('#create-key-button'));
  const created = page.locator('#key-table tr', { has: page.locator(`td.aliases:has-text("${alias}")`) });
  assert.equal(await created.count(), 1, 'the new key is listed with its alias');
  keyId = await created.getAttribute('data-key-id');
  assert.match(keyId, /^[0-9a-f-]{36}$/);
  assert.match(await created.locator('.key-message').innerText(), /created/);
  assert.equal(await created.locator('td.state').innerText(), 'Enabled');
  assert.match(await created.locator('td').nth(2).innerText(), /SYMMETRIC_DEFAULT/);

  // An asymmetric key for the refusal below; ECC can only sign, which the form reports next to itself.
  await page.click('#create-key summary');
  await page.selectOption('#create-spec', 'RSA_2048');
  await page.selectOption('#create-usage', 'ENCRYPT_DECRYPT');
  await page.fill('#create-alias', 'console-rsa');
  await submit(page.locator('#create-key-button'));
  const rsa = page.locator('#key-table tr', { has: page.locator('td.aliases:has-text("alias/console-rsa")') });
  assert.match(await rsa.locator('td').nth(2).innerText(), /RSA_2048/);
  assert.match(await rsa.locator('td.rotation').innerText(), /not rotatable/);
  await page.click('#create-key summary');
  await page.selectOption('#create-spec', 'ECC_NIST_P256');
  await page.selectOption('#create-usage', 'ENCRYPT_DECRYPT');
  await submit(page.locator('#create-key-button'));
  assert.match(await page.locator('#create-key .key-message.error').innerText(), /ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256/);
  await shot('keys-create-refused');

  // A second alias, from the key's row.
  await page.goto(`${endpoint}/console/keys`);
  await keyRow().locator('input[name=alias]').fill('console-second');
  await submit(keyRow().locator('button:has-text("Add alias")'));
  assert.match(await keyRow().locator('td.aliases').innerText(), /alias\/console-second/);
  assert.match(await keyRow().locator('td.aliases').innerText(), /alias\/console-traces/);

  // The Encryption page: default encryption to start with, the KMS choices hidden until chosen.
  await submit(page.locator('nav >> text=Encryption'));
  assert.equal(await page.locator('#current-type').innerText(), 'Default encryption');
  assert.equal(await page.locator('#encryption-status').innerText(), 'ACTIVE');
  assert.equal(await page.locator('#key-select').isVisible(), false, 'the key dropdown shows only with "Use a KMS key"');
  await page.check('#type-kms');
  assert.equal(await page.locator('#key-select').isVisible(), true);
  const options = await page.locator('#key-select option').allTextContents();
  assert.deepEqual(options, ['aws/xray', 'console-rsa', 'console-second', 'console-traces', 'Manually enter a key ARN']);
  assert.equal(await page.locator('#key-arn').isVisible(), false);
  await page.selectOption('#key-select', 'manual');
  assert.equal(await page.locator('#key-arn').isVisible(), true, 'the ARN field shows with "Manually enter a key ARN"');
  await shot('encryption-manual');

  // Refusals from the API, in words next to the control.
  await page.selectOption('#key-select', 'alias/console-rsa');
  await submit(page.locator('#apply'));
  assert.match(await page.locator('#encryption-error').innerText(), /does not support asymmetric KMS keys/);
  assert.equal(await page.isChecked('#type-kms'), true, 'the choice stays as it was posted');
  await shot('encryption-refused');
  await page.selectOption('#key-select', 'manual');
  await page.fill('#key-arn', `arn:aws:kms:us-east-1:${process.env.TRACEVAULT_ACCOUNT}:alias/no-such-alias`);
  await submit(page.locator('#apply'));
  assert.match(await page.locator('#encryption-error').innerText(), /alias\/no-such-alias/);
  assert.equal(await page.inputValue('#key-arn'), `arn:aws:kms:us-east-1:${process.env.TRACEVAULT_ACCOUNT}:alias/no-such-alias`);

  await page.selectOption('#key-select', alias);
  await submit(page.locator('#apply'));
  assert.equal(new URL(page.url()).pathname, '/console/encryption');
  assert.equal(await page.locator('#encryption-status').innerText(), 'UPDATING');
  assert.match(await page.locator('#current-key').innerText(), new RegExp(`key/${keyId}$`));
  assert.equal(await page.locator('meta[http-equiv=refresh]').count(), 1, 'the page refreshes itself while UPDATING');
  await shot('encryption-updating');
  // The page reloads itself every second while UPDATING: watch it, without reloading it ourselves.
  const start = Date.now();
  while ((await page.locator('#encryption-status').textContent()) !== 'ACTIVE') {
    assert.ok(Date.now() - start < 60_000, 'the status never became ACTIVE (waited 60 s)');
    await page.waitForTimeout(200);
  }
  await page.waitForLoadState();
  assert.equal(await page.locator('meta[http-equiv=refresh]').count(), 0, 'no more refreshing once ACTIVE');
  assert.ok(['alias/console-second', alias].includes(await page.inputValue('#key-select')), 'the dropdown shows an alias of the chosen key');
  await shot('encryption-active');
});

test('segments sent over UDP are found on the Traces page, with their timeline and the service map edge', async () => {
  await sendTrace(storedTraceId, 'a1');
  const url = `${endpoint}/console/traces?range=15m&filter=${encodeURIComponent('annotation.stage = "a1"')}`;
  await until(url, 60, async () => (await page.locator(`tr[data-trace-id="${storedTraceId}"]`).count()) === 1, 'the UDP trace is listed');
  assert.equal(await page.locator('#matched-count').innerText(), '1');
  assert.equal(await banner().count(), 0, 'no notification while the key works');
  await shot('keys-traces');
  await submit(page.locator(`a:has-text("${storedTraceId}")`));
  const spans = await page.locator('#timeline details.span').evaluateAll((elements) => elements.map((e) => e.dataset.name));
  assert.deepEqual(spans, ['udp-frontend', 'udp-backend', 'udp-backend', 'read-stock']);
  await page.goto(`${endpoint}/console/map?range=15m`);
  assert.equal(await page.locator('svg#service-map g.edge[data-from="udp-frontend"][data-to="udp-backend"]').count(), 1);
});

test('disabling the key shows the notification on every page and stops storing; enabling it clears the notification', async () => {
  await page.goto(`${endpoint}/console/keys`);
  await submit(keyRow().locator('button[data-action=disable]'));
  assert.equal(await keyRow().locator('td.state').innerText(), 'Disabled');
  const seconds = await until(`${endpoint}/console/keys`, 60, async () => (await banner().count()) === 1, 'the notification appears');
  output(`notification after ${seconds.toFixed(2)} s`);
  const text = await banner().innerText();
  assert.match(text, /stopped storing trace data/);
  assert.match(await page.locator('#key-unusable-key').innerText(), new RegExp(`key/${keyId}$`));
  assert.match(await page.locator('#key-unusable-reason').innerText(), /disabled/i);
  assert.match(await page.locator('#key-unusable-since').innerText(), /UTC$/);
  assert.match(text, /Enable the key, restore Tracevault's grant or key policy access, or choose another key on the Encryption page/);
  assert.equal(await banner().locator('a[href="/console/encryption"]').count(), 1);
  await shot('keys-disabled');

  // Sent while the key is disabled: not stored (looked for below, once the key can decrypt again).
  await sendTrace(droppedTraceId, 'b2');
  await page.waitForTimeout(1000);
  for (const [name, url] of [['traces', '/console/traces?range=15m'], ['encryption', '/console/encryption'], ['audit', '/console/audit'], ['map', '/console/map']]) {
    await page.goto(`${endpoint}${url}`);
    assert.equal(await banner().count(), 1, `the notification is on the ${name} page`);
    if (name === 'traces') {
      // Data under a disabled key cannot be read either: a refusal, not data.
      assert.equal(await page.locator('#trace-table').count(), 0);
      assert.match(await page.locator('#request-error').innerText(), /disabled/i);
    }
    await shot(`notification-${name}`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('notification-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.goto(`${endpoint}/console/keys`);
  await submit(keyRow().locator('button[data-action=enable]'));
  await until(`${endpoint}/console/traces`, 60, async () => (await banner().count()) === 0, 'the notification goes away');
  assert.equal(await page.locator('#notifications').innerText(), '');

  await page.goto(`${endpoint}/console/traces?range=15m&filter=${encodeURIComponent('annotation.stage = "b2"')}`);
  assert.equal(await page.locator('#matched-count').innerText(), '0', 'the segments sent while the key was disabled were not stored');
  await page.goto(`${endpoint}/console/traces?range=15m&filter=${encodeURIComponent('annotation.stage = "a1"')}`);
  assert.equal(await page.locator('#matched-count').innerText(), '1', 'what was stored before stays readable');
});

test('a user without kms:Decrypt on the key sees access denied on the Traces page, not data', async () => {
  await signIn(xrayOnly);
  await page.goto(`${endpoint}/console/traces?range=15m`);
  const denied = page.locator('#access-denied');
  assert.equal(await denied.isVisible(), true);
  assert.match(await denied.innerText(), /Access denied/);
  assert.match(await denied.innerText(), /kms:Decrypt/);
  assert.match(await denied.innerText(), new RegExp(keyId));
  assert.equal(await page.locator('#trace-table').count(), 0);
  assert.ok(!(await page.content()).includes(storedTraceId), 'no trace data on the page');
  await shot('traces-no-decrypt');
});

test('the Audit page lists the GenerateDataKey and Decrypt events, one record in full, and verifies the chain', async () => {
  await signIn(adminCredentials);
  await submit(page.locator('nav >> text=Audit'));
  assert.ok(await page.locator('#audit-table tbody tr').count() > 5);
  await shot('audit');

  await page.fill('#filter-event', 'GenerateDataKey');
  await submit(page.locator('button:has-text("Filter")'));
  const generated = page.locator('#audit-table tbody tr');
  assert.ok(await generated.count() >= 1, 'the service\'s GenerateDataKey calls are listed');
  for (const name of await page.locator('#audit-table td.event-name').allInnerTexts()) {
    assert.equal(name, 'GenerateDataKey');
  }
  assert.equal(await generated.first().locator('td.user').innerText(), 'xray.amazonaws.com');
  assert.match(await generated.first().locator('td.key a').getAttribute('title'), new RegExp(`key/${keyId}$`));
  assert.equal(await generated.first().locator('td.result').innerText(), 'Success');
  await shot('audit-generatedatakey');

  // Decrypt: the admin's reads succeeded, the X-Ray-only user's was refused.
  await page.fill('#filter-event', 'Decrypt');
  await page.fill('#filter-key', keyId);
  await submit(page.locator('button:has-text("Filter")'));
  const decrypts = await page.locator('#audit-table tbody tr').evaluateAll((rows) => rows.map((r) => ({
    user: r.querySelector('td.user').textContent, result: r.querySelector('td.result').textContent })));
  assert.ok(decrypts.some((d) => d.user === 'admin' && d.result === 'Success'), JSON.stringify(decrypts));
  assert.ok(decrypts.some((d) => d.user === 'xray-only' && d.result === 'AccessDeniedException'), JSON.stringify(decrypts));
  await page.fill('#filter-user', 'xray-only');
  await submit(page.locator('button:has-text("Filter")'));
  assert.equal(await page.locator('#audit-table td.user').allInnerTexts().then((u) => u.every((x) => x === 'xray-only')), true);
  await shot('audit-decrypt');

  await submit(page.locator('#audit-table tbody tr').first().locator('a:has-text("Record")'));
  const record = JSON.parse(await page.locator('#event-record').innerText());
  assert.equal(record.eventName, 'Decrypt');
  assert.equal(record.errorCode, 'AccessDeniedException');
  assert.equal(record.userIdentity.userName, 'xray-only');
  assert.match(await page.locator('#event-record').innerText(), /\n {2}"eventVersion"/, 'pretty-printed');
  await shot('audit-record');

  await page.goto(`${endpoint}/console/audit`);
  await submit(page.locator('#verify-chain'));
  assert.match(await page.locator('#chain-verification').innerText(), /Chain verified/);
  assert.ok(Number((await page.locator('#verified-records').innerText()).replace(/,/g, '')) > 10);
  await shot('audit-verified');
});

test('the Keys page shows usage and cost, rotates, and schedules and cancels deletion', async () => {
  await page.goto(`${endpoint}/console/keys`);
  const requests = Number((await keyRow().locator('td.requests').innerText()).replace(/,/g, ''));
  assert.ok(requests >= 3, `requests this month: ${requests}`);
  const cost = await keyRow().locator('td.cost').innerText();
  assert.equal(cost, `$${(1 + requests * 0.03 / 10000).toFixed(6).replace(/0{1,4}$/, '')}`, 'a key-month plus $0.03 per 10,000 requests');
  assert.match(await page.locator('#total-cost').innerText(), /^\$2\.0/, 'two customer keys (the symmetric and the RSA key)');
  await shot('keys');

  await submit(keyRow().locator('button[data-action=rotate]'));
  assert.match(await keyRow().locator('td.rotation').innerText(), /version 2, 1 on demand/);

  const rsa = () => page.locator('#key-table tr', { has: page.locator('td.aliases:has-text("alias/console-rsa")') });
  await rsa().locator('input[name=days]').fill('5');
  await rsa().locator('input[name=days]').evaluate((input) => input.removeAttribute('min'));
  await submit(rsa().locator('button:has-text("Schedule deletion")'));
  assert.match(await rsa().locator('.key-message').innerText(), /between 7 and 30/);
  await rsa().locator('input[name=days]').fill('7');
  await submit(rsa().locator('button:has-text("Schedule deletion")'));
  assert.equal(await rsa().locator('td.state .badge').innerText(), 'PendingDeletion');
  assert.match(await rsa().locator('td.state').innerText(), /deleted on \d{4}-/);
  await shot('keys-pending-deletion');
  await submit(rsa().locator('button[data-action=cancel-deletion]'));
  assert.equal(await rsa().locator('td.state .badge').innerText(), 'Disabled');

  await page.setViewportSize({ width: 390, height: 844 });
  await shot('keys-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
});

function output(line) {
  process.stdout.write(`# ${line}\n`);
}
