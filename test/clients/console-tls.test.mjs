// The console in a real browser over HTTPS: Chromium signs in on the TLS port and keeps a `__Host-` cookie, Secure and HttpOnly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './browser.mjs';
import { endpoint, adminCredentials } from './support.mjs';

const spkiPin = process.env.TLS_SPKI_SHA256;

let browser;

before(async () => {
  assert.ok(spkiPin, 'TLS_SPKI_SHA256 must name the test certificate\'s public key');
  // Trust exactly the server's test certificate, by the SHA-256 of its SubjectPublicKeyInfo: any other certificate (or
  // plain HTTP on this port) still fails the navigation. ignoreHTTPSErrors would accept every certificate and prove nothing
  // about TLS; adding the private CA to Chromium's NSS store would need certutil and a shared profile database.
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiPin}`]);
});

after(async () => {
  await browser?.close();
});

test('the endpoint is HTTPS', () => {
  assert.ok(endpoint.startsWith('https://'), endpoint);
});

test('sign in to the console over HTTPS, land on Traces, and hold a __Host- session cookie that is Secure and HttpOnly', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${endpoint}/console`);
  assert.equal(new URL(page.url()).pathname, '/console/signin', 'without a session the console root goes to sign-in');
  await page.fill('input[name=accessKeyId]', adminCredentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', adminCredentials.secretAccessKey);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);

  const landed = new URL(page.url());
  assert.equal(landed.protocol, 'https:');
  assert.equal(landed.pathname, '/console/traces');
  assert.equal(await page.locator('.nav-user .user').innerText().then((t) => t.startsWith('admin')), true, 'the bar names the signed-in user');

  const cookies = await browser.context.cookies(endpoint);
  const session = cookies.find((c) => c.name === '__Host-tracevault_session');
  assert.ok(session, `a __Host- session cookie is kept: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(session.secure, true, 'Secure');
  assert.equal(session.httpOnly, true, 'HttpOnly');
  assert.equal(session.path, '/');
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.domain, new URL(endpoint).hostname, 'a host-only cookie');
  assert.equal(cookies.filter((c) => !c.name.startsWith('__Host-')).length, 0, `every cookie is __Host- prefixed: ${JSON.stringify(cookies.map((c) => c.name))}`);
});
