// The console's Sampling rules and Groups pages in a real browser (Debian's headless Chromium, driven by playwright-core):
// create, edit and delete through the forms, each result read back with the AWS SDK for JavaScript v3; the API's validation
// shown on the form; a user without the permission refused; Traces and Service map scoped to a group.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, GetSamplingRulesCommand, CreateSamplingRuleCommand, GetGroupsCommand, CreateGroupCommand, PutTraceSegmentsCommand,
} from '@aws-sdk/client-xray';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials, clientConfig, credentialsFromEnv, rejection } from './support.mjs';

const limited = credentialsFromEnv('LIMITED');
const screenshots = process.env.SCREENSHOTS;
const xray = new XRayClient(clientConfig());

let browser;
let context;
let page;

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

/** Clicks and waits for the page it leads to; answers that page's HTTP status. */
async function submit(locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response.status();
}

async function fill(values) {
  for (const [name, value] of Object.entries(values)) {
    await page.fill(`#rule-form [name="${name}"]`, value);
  }
}

async function rules() {
  return (await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords.map((r) => r.SamplingRule);
}

async function groups() {
  return (await xray.send(new GetGroupsCommand({}))).Groups;
}

test('a sampling rule is created, edited and deleted through the page, as GetSamplingRules then reads it', async () => {
  await signIn(adminCredentials);
  await submit(page.locator('nav >> text=Sampling rules'));
  assert.equal(new URL(page.url()).pathname, '/console/sampling');
  const defaultRow = page.locator('#rule-table tr[data-rule="Default"]');
  assert.equal(await defaultRow.locator('.priority').innerText(), '10000');
  assert.equal(await defaultRow.locator('button[data-action="delete"]').count(), 0, 'the Default rule has no Delete button');

  await fill({
    RuleName: 'console-checkout', Priority: '10', FixedRate: '0.5', ReservoirSize: '3', ServiceName: 'checkout',
    ServiceType: 'AWS::EC2::Instance', Host: '*.example.com', HTTPMethod: 'POST', URLPath: '/cart/*', ResourceARN: '*',
    Attributes: 'tier=gold\nregion=eu', BoostMaxRate: '0.8', BoostCooldownWindowMinutes: '15',
  });
  assert.equal(await submit(page.locator('#rule-submit')), 200);
  assert.match(await page.locator('#done-message').innerText(), /Sampling rule console-checkout created/);
  const row = page.locator('#rule-table tr[data-rule="console-checkout"]');
  assert.deepEqual(
    await row.locator('td:not(.actions)').evaluateAll((cells) => cells.map((c) => c.innerText.trim())),
    ['10', 'console-checkout', '0.5', '3/s', 'checkout', 'AWS::EC2::Instance', '*.example.com', 'POST', '/cart/*', '*', 'tier=gold, region=eu', 'up to 0.8, once per 15 min'],
  );
  const order = await page.locator('#rule-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.rule));
  assert.deepEqual(order, ['console-checkout', 'Default'], 'listed in priority order');
  await shot('sampling-created');

  const created = (await rules()).find((r) => r.RuleName === 'console-checkout');
  assert.deepEqual({ ...created, RuleARN: undefined }, {
    RuleName: 'console-checkout', RuleARN: undefined, ResourceARN: '*', Priority: 10, FixedRate: 0.5, ReservoirSize: 3,
    ServiceName: 'checkout', ServiceType: 'AWS::EC2::Instance', Host: '*.example.com', HTTPMethod: 'POST', URLPath: '/cart/*',
    Version: 1, Attributes: { tier: 'gold', region: 'eu' }, SamplingRateBoost: { MaxRate: 0.8, CooldownWindowMinutes: 15 },
  });

  await submit(row.locator('a.edit'));
  assert.equal(await page.inputValue('#rule-form [name="Attributes"]'), 'tier=gold\nregion=eu', 'the edit form holds the rule as it is');
  await fill({ Priority: '20', FixedRate: '0.25', HTTPMethod: 'GET', Attributes: 'tier=silver' });
  await shot('sampling-edit');
  assert.equal(await submit(page.locator('#rule-submit')), 200);
  assert.match(await page.locator('#done-message').innerText(), /console-checkout updated/);
  const edited = (await rules()).find((r) => r.RuleName === 'console-checkout');
  assert.deepEqual([edited.Priority, edited.FixedRate, edited.HTTPMethod, edited.Attributes, edited.ReservoirSize, edited.ServiceName],
    [20, 0.25, 'GET', { tier: 'silver' }, 3, 'checkout']);

  // The Default rule: only its rate, reservoir and boost are offered, and they are saved.
  await submit(defaultRow.locator('a.edit'));
  assert.equal(await page.locator('#rule-form [name="ServiceName"]').count(), 0);
  await fill({ FixedRate: '0.1', ReservoirSize: '2' });
  assert.equal(await submit(page.locator('#rule-submit')), 200);
  const defaultRule = (await rules()).find((r) => r.RuleName === 'Default');
  assert.deepEqual([defaultRule.FixedRate, defaultRule.ReservoirSize, defaultRule.Priority, defaultRule.ServiceName], [0.1, 2, 10000, '*']);

  await submit(page.locator('#rule-table tr[data-rule="console-checkout"] button[data-action="delete"]'));
  assert.match(await page.locator('#done-message').innerText(), /console-checkout deleted/);
  assert.equal(await page.locator('#rule-table tr[data-rule="console-checkout"]').count(), 0);
  assert.deepEqual((await rules()).map((r) => r.RuleName), ['Default']);
});

test('the sampling rule form shows the API\'s own validation error and keeps what was typed', async () => {
  await signIn(adminCredentials);
  await page.goto(`${endpoint}/console/sampling`);
  await fill({ RuleName: 'too-eager', Priority: '5', FixedRate: '1.5', ReservoirSize: '1' });
  assert.equal(await submit(page.locator('#rule-submit')), 400);
  const shown = await page.locator('#form-error').innerText();
  const api = await rejection(() => xray.send(new CreateSamplingRuleCommand({
    SamplingRule: {
      RuleName: 'too-eager', Priority: 5, FixedRate: 1.5, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*',
      HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1,
    },
  })));
  assert.equal(api.name, 'InvalidRequestException');
  assert.equal(shown, `InvalidRequestException: ${api.message}`, 'the form says what the API says');
  assert.equal(await page.inputValue('#rule-form [name="FixedRate"]'), '1.5');
  assert.equal(await page.inputValue('#rule-form [name="RuleName"]'), 'too-eager');
  await shot('sampling-invalid');

  await fill({ FixedRate: '0.5', Priority: 'soon' });
  assert.equal(await submit(page.locator('#rule-submit')), 400);
  assert.match(await page.locator('#form-error').innerText(), /Priority must be a whole number from 1 to 9999/);
  assert.equal((await rules()).some((r) => r.RuleName === 'too-eager'), false, 'nothing was created');
});

function traceId(seconds) {
  return `1-${Math.floor(seconds).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function segment(trace, name, start, fields) {
  return JSON.stringify({
    name, id: randomBytes(8).toString('hex'), trace_id: trace, start_time: start, end_time: start + 0.5, origin: 'AWS::EC2::Instance', ...fields,
  });
}

test('a group is created, edited and deleted through the page, and scopes the Traces and Service map pages', async () => {
  const now = Date.now() / 1000 - 5;
  const checkoutFault = traceId(now);
  const checkoutOk = traceId(now);
  const cartFault = traceId(now);
  const payments = {
    name: 'payments', id: randomBytes(8).toString('hex'), namespace: 'remote', start_time: now + 0.1, end_time: now + 0.4, fault: true,
    http: { request: { method: 'POST', url: 'https://payments.example.com/charge' }, response: { status: 503 } },
  };
  const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({
    TraceSegmentDocuments: [
      segment(checkoutFault, 'checkout', now, { fault: true, http: { response: { status: 500 } }, subsegments: [payments] }),
      segment(checkoutOk, 'checkout', now, { http: { response: { status: 200 } } }),
      segment(cartFault, 'cart', now, { fault: true, http: { response: { status: 500 } } }),
    ],
  }));
  assert.deepEqual(UnprocessedTraceSegments, []);

  await signIn(adminCredentials);
  await submit(page.locator('nav >> text=Groups'));
  assert.equal(new URL(page.url()).pathname, '/console/groups');
  assert.equal(await page.locator('#group-table tr[data-group="Default"] button[data-action="delete"]').count(), 0);

  // A filter expression the API refuses is refused on the form, with the API's reason.
  await page.fill('#group-name', 'checkout-faults');
  await page.fill('#group-filter', 'service("checkout") {');
  assert.equal(await submit(page.locator('#group-submit')), 400);
  assert.match(await page.locator('#form-error').innerText(), /^InvalidRequestException: /);
  const api = await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'checkout-faults', FilterExpression: 'service("checkout") {' })));
  assert.equal(await page.locator('#form-error').innerText(), `InvalidRequestException: ${api.message}`);
  assert.equal(await page.inputValue('#group-filter'), 'service("checkout") {');
  await shot('groups-invalid');
  assert.equal((await groups()).some((g) => g.GroupName === 'checkout-faults'), false);

  await page.fill('#group-filter', 'service("checkout") { fault }');
  await page.check('#group-insights');
  assert.equal(await submit(page.locator('#group-submit')), 200);
  assert.match(await page.locator('#done-message').innerText(), /Group checkout-faults created/);
  await shot('groups-created');
  let group = (await groups()).find((g) => g.GroupName === 'checkout-faults');
  assert.equal(group.FilterExpression, 'service("checkout") { fault }');
  assert.deepEqual(group.InsightsConfiguration, { InsightsEnabled: true, NotificationsEnabled: false });

  // Traces, scoped by the group selector: only the group's trace.
  await page.goto(`${endpoint}/console/traces`);
  await page.selectOption('#group', 'checkout-faults');
  await submit(page.locator('button:has-text("Search")'));
  assert.equal(new URL(page.url()).searchParams.get('group'), 'checkout-faults', 'the group is carried in the query string');
  const listed = async () => (await page.locator('#trace-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.traceId))).sort();
  assert.deepEqual(await listed(), [checkoutFault]);
  await shot('traces-group');
  // With a filter of its own as well: both apply.
  await page.fill('#filter', 'http.status = 200');
  await submit(page.locator('button:has-text("Search")'));
  assert.equal(await page.locator('#no-traces').count(), 1);

  // The service map, scoped: checkout and the payments it called; not cart.
  await page.goto(`${endpoint}/console/map?group=checkout-faults`);
  assert.equal(await page.inputValue('#group'), 'checkout-faults');
  const services = async () => (await page.locator('svg#service-map g.node:not(.client)').evaluateAll((nodes) => nodes.map((n) => n.dataset.service))).sort();
  assert.deepEqual(await services(), ['checkout', 'payments']);
  await shot('map-group');
  await page.goto(`${endpoint}/console/map`);
  assert.deepEqual(await services(), ['cart', 'checkout', 'payments']);

  // Edited through the page: a new filter expression and notifications on.
  await page.goto(`${endpoint}/console/groups`);
  await submit(page.locator('#group-table tr[data-group="checkout-faults"] a.edit'));
  assert.equal(await page.inputValue('#group-filter'), 'service("checkout") { fault }');
  await page.fill('#group-filter', 'service("checkout")');
  await page.check('#group-notifications');
  assert.equal(await submit(page.locator('#group-submit')), 200);
  group = (await groups()).find((g) => g.GroupName === 'checkout-faults');
  assert.equal(group.FilterExpression, 'service("checkout")');
  assert.deepEqual(group.InsightsConfiguration, { InsightsEnabled: true, NotificationsEnabled: true });
  await page.goto(`${endpoint}/console/traces?group=checkout-faults`);
  assert.deepEqual(await listed(), [checkoutFault, checkoutOk].sort());

  await page.goto(`${endpoint}/console/groups`);
  await submit(page.locator('#group-table tr[data-group="checkout-faults"] button[data-action="delete"]'));
  assert.match(await page.locator('#done-message').innerText(), /Group checkout-faults deleted/);
  assert.deepEqual((await groups()).map((g) => g.GroupName), ['Default']);

  // A group that is gone: the page says so instead of showing every trace.
  await page.goto(`${endpoint}/console/traces?group=checkout-faults`);
  assert.match(await page.locator('#group-error').innerText(), /there is no group named 'checkout-faults'/);
  assert.equal(await page.locator('#trace-table').count(), 0);
});

test('a user without xray:CreateSamplingRule or xray:CreateGroup sees the refusal on the form, and nothing is created', async () => {
  await signIn(limited);
  await page.goto(`${endpoint}/console/sampling`);
  assert.equal(await page.locator('#rule-table tr[data-rule="Default"]').count(), 1, 'the user may list the rules');
  await fill({ RuleName: 'not-allowed', Priority: '5', FixedRate: '0.5', ReservoirSize: '1' });
  assert.equal(await submit(page.locator('#rule-submit')), 403);
  assert.match(await page.locator('#form-error').innerText(), /^Access denied: .*not authorized to perform: xray:CreateSamplingRule on resource: arn:aws:xray:[^:]+:\d+:sampling-rule\/not-allowed/);
  await shot('sampling-refused');
  assert.equal((await rules()).some((r) => r.RuleName === 'not-allowed'), false);

  await page.goto(`${endpoint}/console/groups`);
  await page.fill('#group-name', 'not-allowed');
  assert.equal(await submit(page.locator('#group-submit')), 403);
  assert.match(await page.locator('#form-error').innerText(), /^Access denied: .*xray:CreateGroup/);
  assert.equal((await groups()).some((g) => g.GroupName === 'not-allowed'), false);

  // Its own permissions, also for the Default rule it may not edit.
  await page.goto(`${endpoint}/console/sampling?edit=Default`);
  await fill({ FixedRate: '1' });
  assert.equal(await submit(page.locator('#rule-submit')), 403);
  assert.match(await page.locator('#form-error').innerText(), /xray:UpdateSamplingRule/);
  assert.equal((await rules()).find((r) => r.RuleName === 'Default').FixedRate, 0.1);
});
