// The web console in a real browser: headless Chromium (Debian's) driven by playwright-core.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials, credentialsFromEnv } from './support.mjs';

const reader = credentialsFromEnv('READER');
const shortLived = { endpoint: process.env.SHORT_ENDPOINT, ...credentialsFromEnv('SHORT') };
const checkoutTraceId = process.env.CHECKOUT_TRACE_ID;
const homeTraceId = process.env.HOME_TRACE_ID;
const screenshots = process.env.SCREENSHOTS;

let browser;
let context;
let page;

before(async () => {
  browser = await launchChromium();
  context = browser.context;
});

after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  await context.clearCookies();
  for (const open of context.pages()) {
    await open.close();
  }
  page = await context.newPage();
});

async function shot(name) {
  await page.screenshot({ path: path.join(screenshots, `console-${name}.png`), fullPage: true });
}

async function signIn(credentials, base = endpoint) {
  await page.goto(`${base}/console/signin`);
  await page.fill('input[name=accessKeyId]', credentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', credentials.secretAccessKey);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
}

test('sign in, find a trace with a filter expression, open its timeline and the service map', async () => {
  await page.goto(`${endpoint}/console/traces`);
  assert.match(page.url(), /\/console\/signin\?next=%2Fconsole%2Ftraces$/, 'a page without a session goes to sign-in');
  await page.fill('input[name=accessKeyId]', adminCredentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', adminCredentials.secretAccessKey);
  await shot('signin');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  assert.equal(new URL(page.url()).pathname, '/console/traces');
  assert.equal(await page.locator('.nav-user .user').innerText().then((t) => t.startsWith('admin')), true, 'the bar names the signed-in user');
  assert.equal(await page.locator('#notifications').count(), 1, 'every signed-in page has the notification slot');

  // Without a filter both traces are listed.
  await page.selectOption('#range', '1h');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Search")')]);
  assert.equal(await page.locator('#trace-table tbody tr').count(), 2);

  await page.fill('#filter', 'annotation.customer = "c7"');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Search")')]);
  assert.equal(await page.locator('#matched-count').innerText(), '1');
  assert.equal(await page.locator('#processed-count').innerText(), '1', 'one trace of the range matches');
  assert.equal(await page.locator('#histogram-in-range').innerText(), '2', 'both traces of the range were counted');
  const row = page.locator(`#trace-table tr[data-trace-id="${checkoutTraceId}"]`);
  assert.equal(await row.count(), 1, 'the matching trace is listed');
  assert.equal(await page.locator(`tr[data-trace-id="${homeTraceId}"]`).count(), 0, 'the other trace is filtered out');
  const cells = await row.locator('td').allInnerTexts();
  assert.equal(cells[2], 'POST');
  assert.equal(cells[3], 'https://shop.example/checkout');
  assert.equal(cells[4], '200');
  assert.equal(cells[5], '900 ms');
  assert.equal(cells[6], 'frontend');
  assert.match(cells[7], /customer = c7/);
  await shot('traces');

  await Promise.all([page.waitForNavigation(), row.locator(`a:has-text("${checkoutTraceId}")`).click()]);
  assert.equal(new URL(page.url()).pathname, `/console/traces/${checkoutTraceId}`);
  const spans = await page.locator('#timeline details.span').evaluateAll((elements) =>
    elements.map((e) => ({ name: e.dataset.name, kind: e.classList.contains('segment') ? 'segment' : 'subsegment', depth: [...e.classList].find((c) => c.startsWith('depth-')) })));
  // The backend's segment is drawn under the frontend's call to it (its parent_id), before render-page (by start time).
  assert.deepEqual(spans, [
    { name: 'frontend', kind: 'segment', depth: 'depth-0' },
    { name: 'backend', kind: 'subsegment', depth: 'depth-1' },
    { name: 'backend', kind: 'segment', depth: 'depth-2' },
    { name: 'query-stock', kind: 'subsegment', depth: 'depth-3' },
    { name: 'render-page', kind: 'subsegment', depth: 'depth-1' },
  ]);

  // Drawn to scale: the trace lasts 0.9 s; render-page starts at 0.65 s and lasts 0.2 s.
  const render = page.locator('details.span[data-name="render-page"]');
  const bar = render.locator('svg.bar rect');
  assert.equal(Number(await bar.getAttribute('x')), 722.22);
  assert.equal(Number(await bar.getAttribute('width')), 222.22);
  assert.equal(await render.locator('.dur').innerText(), '200 ms');

  const faulted = page.locator('details.span.segment[data-name="backend"]');
  assert.equal(await faulted.locator('.badge.fault').count(), 1, 'the faulting segment has a fault badge');
  assert.equal(await faulted.locator('rect.fault').count(), 1, 'and a fault-coloured bar');
  await faulted.locator('summary').click();
  const details = await faulted.locator('.span-details').innerText();
  assert.match(details, /GET http:\/\/backend\.internal\/stock → 500/);
  assert.match(details, /StockUnavailableException stock service timed out/);

  const frontend = page.locator('details.span.segment[data-name="frontend"]');
  await frontend.locator('summary').click();
  assert.match(await frontend.locator('table.annotations').innerText(), /customer\s+c7/);
  assert.match(await frontend.locator('pre.metadata').innerText(), /"cart": "cart-4711"/);
  await shot('trace');

  await page.setViewportSize({ width: 390, height: 844 });
  await shot('trace-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.goto(`${endpoint}/console/traces/${checkoutTraceId}?raw=1`);
  assert.equal(await page.locator('#raw-documents').getAttribute('open'), '');
  assert.match(await page.locator('#raw-documents').innerText(), /"name": "query-stock"/);
  await shot('trace-raw');

  await Promise.all([page.waitForNavigation(), page.click('nav >> text=Service map')]);
  assert.equal(new URL(page.url()).pathname, '/console/map');
  const edge = page.locator('svg#service-map g.edge[data-from="frontend"][data-to="backend"]');
  assert.equal(await edge.count(), 1, 'the map draws the frontend → backend edge');
  assert.match(await edge.locator('title').textContent(), /1 req · avg 460 ms, errors 0% · faults 100%/);
  assert.equal(await edge.getAttribute('class'), 'edge fault');
  assert.equal(await page.locator('svg#service-map g.node[data-service="frontend"]').count(), 1);
  assert.equal(await page.locator('svg#service-map g.node[data-service="backend"]').count(), 1);
  const from = await page.locator('g.node[data-service="frontend"] rect').boundingBox();
  const to = await page.locator('g.node[data-service="backend"] rect').boundingBox();
  assert.ok(from.x + from.width < to.x, 'the root service is drawn left of the service it calls');
  await shot('map');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('map-phone');
});

test('a bad filter expression shows the error where it is', async () => {
  await signIn(adminCredentials);
  const expression = process.env.BAD_FILTER;
  const position = Number(process.env.BAD_FILTER_POSITION);
  await page.fill('#filter', expression);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Search")')]);
  assert.equal(await page.locator('#filter-error').isVisible(), true);
  assert.equal(await page.locator('#filter-error-position').innerText(), String(position));
  assert.equal(await page.locator('#filter-error mark.error-at').innerText(), expression[position]);
  assert.equal(await page.locator('#trace-table').count(), 0, 'no results are shown for a bad expression');
  assert.equal(await page.inputValue('#filter'), expression, 'the expression stays in the box to be corrected');
  await shot('bad-filter');
});

test('wrong credentials are refused', async () => {
  await signIn({ accessKeyId: adminCredentials.accessKeyId, secretAccessKey: `${adminCredentials.secretAccessKey}x` });
  assert.equal(new URL(page.url()).pathname, '/console/signin');
  assert.match(await page.locator('#signin-error').innerText(), /not right/);
  await shot('signin-refused');
  await signIn({ accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: adminCredentials.secretAccessKey });
  assert.equal(await page.locator('#signin-error').count(), 1);
  await page.goto(`${endpoint}/console/traces`);
  assert.equal(new URL(page.url()).pathname, '/console/signin', 'no session was made');
});

test('an expired session is refused and sends the user to sign in again', async () => {
  await signIn(shortLived, shortLived.endpoint);
  assert.equal(new URL(page.url()).pathname, '/console/traces');
  await page.waitForTimeout((Number(process.env.SHORT_IDLE_SECONDS) + 1.5) * 1000);
  await page.reload();
  const url = new URL(page.url());
  assert.equal(url.pathname, '/console/signin');
  assert.equal(url.searchParams.get('ended'), '1');
  assert.match(await page.locator('.notice').innerText(), /session has ended/);
  await shot('session-ended');
});

test('a forged form post without the CSRF token is refused', async () => {
  await signIn(adminCredentials);
  // A post that carries the session cookie but not the token, as a forged one would.
  const forged = await context.request.post(`${endpoint}/console/signout`, { form: { nothing: 'here' }, maxRedirects: 0 });
  assert.equal(forged.status(), 403);
  assert.match(await forged.text(), /Request refused/);

  // The page's own sign-out form with its token removed.
  await page.locator('form.signout input[name=csrf]').evaluate((input) => input.remove());
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
  assert.equal(await page.locator('#csrf-refused').isVisible(), true);
  await shot('csrf-refused');

  // Nothing changed: the session lives, and the real form signs out.
  await page.goto(`${endpoint}/console/traces`);
  assert.equal(new URL(page.url()).pathname, '/console/traces');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
  assert.equal(new URL(page.url()).pathname, '/console/signin');
  await page.goto(`${endpoint}/console/traces`);
  assert.equal(new URL(page.url()).pathname, '/console/signin');

  // A sign-in post from elsewhere carries no sign-in token either.
  const signInElsewhere = await context.request.post(`${endpoint}/console/signin`, {
    form: { accessKeyId: adminCredentials.accessKeyId, secretAccessKey: adminCredentials.secretAccessKey }, maxRedirects: 0,
  });
  assert.equal(signInElsewhere.status(), 403);
});

test('a user without xray:GetTraceSummaries sees access denied, not data', async () => {
  await signIn(reader);
  assert.equal(new URL(page.url()).pathname, '/console/traces');
  const denied = page.locator('#access-denied');
  assert.equal(await denied.isVisible(), true);
  assert.match(await denied.innerText(), /Access denied/);
  assert.match(await denied.innerText(), /xray:GetTraceSummaries/);
  assert.equal(await page.locator('#trace-table').count(), 0);
  const html = await page.content();
  assert.ok(!html.includes(checkoutTraceId) && !html.includes(homeTraceId), 'no trace data on the page');
  await shot('access-denied');

  // Not BatchGetTraces either: the timeline is refused too.
  await page.goto(`${endpoint}/console/traces/${checkoutTraceId}`);
  assert.match(await page.locator('#access-denied').innerText(), /xray:BatchGetTraces/);
  assert.equal(await page.locator('#timeline').count(), 0);

  // Exactly the user's permissions: GetServiceGraph is allowed, so the map is shown.
  await page.goto(`${endpoint}/console/map`);
  assert.equal(await page.locator('#access-denied').count(), 0);
  assert.equal(await page.locator('g.edge[data-from="frontend"][data-to="backend"]').count(), 1);
});
