// `tracevault demo` seen in a real browser: within 60 s of its start the Traces page lists traces of at least four services,
// faults included; a trace's timeline and the service map show the shop's services.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials } from './support.mjs';

const deadline = Number(process.env.DEMO_DEADLINE_MS);
const screenshots = process.env.SCREENSHOTS;
const services = ['web-frontend', 'catalog-api', 'orders-api', 'payments', 'order-worker'];

let browser;
let page;

before(async () => {
  assert.ok(deadline > 0, 'DEMO_DEADLINE_MS is set');
  browser = await launchChromium();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
});

async function traces(filter) {
  const query = new URLSearchParams({ range: '15m', filter });
  await page.goto(`${endpoint}/console/traces?${query}`);
  return page.locator('#trace-table tbody tr');
}

test('the Traces page lists the demo\'s traces of at least four services, faults included, within 60 s of its start', async () => {
  await page.goto(`${endpoint}/console/signin`);
  await page.fill('input[name=accessKeyId]', adminCredentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', adminCredentials.secretAccessKey);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);

  const seen = new Set();
  let faults = 0;
  for (;;) {
    for (const service of services.filter((s) => !seen.has(s))) {
      if (await (await traces(`service("${service}")`)).count() > 0) {
        seen.add(service);
      }
    }
    faults = await (await traces('fault')).locator('.badge.fault').count();
    if ((seen.size >= 4 && faults > 0) || Date.now() > deadline) {
      break;
    }
    await sleep(1000);
  }

  const late = Date.now() > deadline;
  assert.ok(seen.size >= 4, `traces of ${seen.size} service(s) listed (${[...seen].join(', ')}), not four${late ? ', by the deadline' : ''}`);
  assert.ok(faults > 0, 'a trace with a fault is listed');
  assert.ok(!late, 'all of it within 60 s of the demo\'s start');
  await page.screenshot({ path: path.join(screenshots, 'demo-faults.png'), fullPage: true });

  // The whole list: every row names its entry service, shows a method, a URL and a status.
  const all = await traces('');
  assert.ok(await all.count() > 0);
  const cells = await all.first().locator('td').allInnerTexts();
  assert.equal(cells[6], 'web-frontend');
  assert.match(cells[2], /^(GET|POST)$/);
  assert.match(cells[3], /^https:\/\/shop\.example\.com\//);
  assert.match(cells[7], /customer_tier = (gold|silver|bronze)/);
  assert.match(cells[7], /region = /);
  await page.screenshot({ path: path.join(screenshots, 'demo-traces.png'), fullPage: true });

  // A checkout that reached the queue: its timeline holds the front end, orders-api, payments and order-worker.
  const checkout = (await traces('service("order-worker")')).first();
  await Promise.all([page.waitForNavigation(), checkout.locator('td.id a').click()]);
  const segments = await page.locator('#timeline details.span.segment').evaluateAll((elements) => elements.map((e) => e.dataset.name));
  for (const service of ['web-frontend', 'orders-api', 'payments', 'order-worker']) {
    assert.ok(segments.includes(service), `the timeline shows ${service}: ${segments.join(', ')}`);
  }
  await page.screenshot({ path: path.join(screenshots, 'demo-timeline.png'), fullPage: true });

  await page.goto(`${endpoint}/console/map?range=15m`);
  const nodes = await page.locator('g.node').evaluateAll((elements) => elements.map((e) => e.dataset.service));
  for (const service of services) {
    assert.ok(nodes.includes(service), `the service map shows ${service}: ${nodes.join(', ')}`);
  }
  await page.screenshot({ path: path.join(screenshots, 'demo-map.png'), fullPage: true });
});
