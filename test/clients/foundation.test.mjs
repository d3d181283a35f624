// The foundation's acceptance tests with the real AWS SDK for JavaScript v3: routing, error envelopes, SigV4 and IAM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XRayClient, GetEncryptionConfigCommand, GetInsightSummariesCommand } from '@aws-sdk/client-xray';
import { KMSClient, ListKeysCommand, GetKeyLastUsageCommand } from '@aws-sdk/client-kms';
import { clientConfig, credentialsFromEnv, rejection, afterSigning } from './support.mjs';

function assertEnvelope(error, name) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.ok(error.$metadata?.requestId, 'the answer carries x-amzn-RequestId');
  assert.ok(error.$metadata.httpStatusCode >= 400 && error.$metadata.httpStatusCode < 500, `status ${error.$metadata.httpStatusCode}`);
  assert.ok(error.message.length > 0, 'the error has a message');
}

test('an X-Ray path and a KMS target answer in their own JSON envelopes', async () => {
  const xray = new XRayClient(clientConfig());
  const kms = new KMSClient(clientConfig());
  const notBuilt = await rejection(() => xray.send(new GetInsightSummariesCommand({ StartTime: new Date(Date.now() - 3600e3), EndTime: new Date() })));
  assertEnvelope(notBuilt, process.env.EXPECT_INSIGHTS_ERROR ?? 'InvalidRequestException'); // no GroupName or GroupARN
  const kmsRefused = await rejection(() => kms.send(new GetKeyLastUsageCommand({ KeyId: 'alias/nothing' })));
  assertEnvelope(kmsRefused, 'NotFoundException'); // GetKeyLastUsage takes no alias
});

test('a wrong secret is refused with InvalidSignatureException', async () => {
  const wrong = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: 'x'.repeat(40) };
  assertEnvelope(await rejection(() => new XRayClient(clientConfig({ credentials: wrong })).send(new GetEncryptionConfigCommand({}))), 'InvalidSignatureException');
  assertEnvelope(await rejection(() => new KMSClient(clientConfig({ credentials: wrong })).send(new ListKeysCommand({}))), 'InvalidSignatureException');
});

test('an unknown access key is refused with UnrecognizedClientException', async () => {
  const unknown = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };
  assertEnvelope(await rejection(() => new KMSClient(clientConfig({ credentials: unknown })).send(new ListKeysCommand({}))), 'UnrecognizedClientException');
  assertEnvelope(await rejection(() => new XRayClient(clientConfig({ credentials: unknown })).send(new GetEncryptionConfigCommand({}))), 'UnrecognizedClientException');
});

test('a signature made six minutes off the server clock is refused', async () => {
  const kms = new KMSClient(clientConfig({ systemClockOffset: 6 * 60 * 1000 }));
  const error = await rejection(() => kms.send(new ListKeysCommand({})));
  assertEnvelope(error, 'InvalidSignatureException');
  assert.match(error.message, /Signature not yet current/);
  const late = new XRayClient(clientConfig({ systemClockOffset: -6 * 60 * 1000 }));
  const expired = await rejection(() => late.send(new GetEncryptionConfigCommand({})));
  assertEnvelope(expired, 'InvalidSignatureException');
  assert.match(expired.message, /Signature expired/);
});

test('a request without a signature is refused with MissingAuthenticationTokenException', async () => {
  const kms = new KMSClient(clientConfig());
  afterSigning(kms, 'dropSignature', (request) => {
    delete request.headers.authorization;
    delete request.headers.Authorization;
  });
  assertEnvelope(await rejection(() => kms.send(new ListKeysCommand({}))), 'MissingAuthenticationTokenException');
});

test('a body altered after signing is refused with InvalidSignatureException', async () => {
  const kms = new KMSClient(clientConfig());
  afterSigning(kms, 'tamperBody', (request) => {
    request.body = JSON.stringify({ Limit: 7 });
  });
  assertEnvelope(await rejection(() => kms.send(new ListKeysCommand({ Limit: 5 }))), 'InvalidSignatureException');
});

test('a user allowed only xray:GetEncryptionConfig is refused KMS operations', async () => {
  const limited = credentialsFromEnv('LIMITED');
  const kms = new KMSClient(clientConfig({ credentials: limited }));
  const error = await rejection(() => kms.send(new ListKeysCommand({})));
  assertEnvelope(error, 'AccessDeniedException');
  assert.match(error.message, /kms:ListKeys/);
  const xray = new XRayClient(clientConfig({ credentials: limited }));
  // The one allowed action succeeds: any error at all, not only AccessDeniedException, fails here.
  const allowed = await xray.send(new GetEncryptionConfigCommand({}));
  assert.equal(allowed.$metadata.httpStatusCode, 200);
  assert.equal(allowed.EncryptionConfig.Type, 'NONE', 'the account keeps default encryption');
  assert.equal(allowed.EncryptionConfig.Status, 'ACTIVE');
});

test('an explicit Deny beats an Allow', async () => {
  const denied = credentialsFromEnv('DENIED');
  const error = await rejection(() => new XRayClient(clientConfig({ credentials: denied })).send(new GetEncryptionConfigCommand({})));
  assertEnvelope(error, 'AccessDeniedException');
  assert.match(error.message, /explicit deny/);
});
