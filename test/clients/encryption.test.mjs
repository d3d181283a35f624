// Encryption settings with the real AWS SDK for JavaScript v3: PutEncryptionConfig/GetEncryptionConfig, KMS data keys,
// propagation, refusals, "key unusable -> stop storing", and reading with and without kms:Decrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, PutEncryptionConfigCommand, GetEncryptionConfigCommand, PutTraceSegmentsCommand, BatchGetTracesCommand,
} from '@aws-sdk/client-xray';
import {
  KMSClient, CreateKeyCommand, CreateAliasCommand, DisableKeyCommand, EnableKeyCommand, ListGrantsCommand,
  RevokeGrantCommand, ScheduleKeyDeletionCommand, CancelKeyDeletionCommand, CreateGrantCommand,
} from '@aws-sdk/client-kms';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { clientConfig, credentialsFromEnv, rejection, accountId } from './support.mjs';

const xray = new XRayClient(clientConfig());
const kms = new KMSClient(clientConfig());
const keyArnPattern = new RegExp(`^arn:aws:kms:us-east-1:${accountId}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

function traceId() {
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function segment(trace, name = 'encrypted-service') {
  const now = Date.now() / 1000;
  return JSON.stringify({ name, id: randomBytes(8).toString('hex'), trace_id: trace, start_time: now - 0.5, end_time: now });
}

async function waitForActive(expectedKeyArn) {
  // A ceiling for a loaded machine, not a speed claim.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { EncryptionConfig } = await xray.send(new GetEncryptionConfigCommand({}));
    if (EncryptionConfig.Status === 'ACTIVE') {
      assert.equal(EncryptionConfig.KeyId, expectedKeyArn);
      return EncryptionConfig;
    }
    assert.equal(EncryptionConfig.Status, 'UPDATING');
    assert.ok(Date.now() < deadline, 'the setting never became ACTIVE');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function putAndActivate(keyId) {
  const { EncryptionConfig } = await xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: keyId }));
  assert.equal(EncryptionConfig.Status, 'UPDATING');
  assert.equal(EncryptionConfig.Type, 'KMS');
  return waitForActive(EncryptionConfig.KeyId);
}

async function createKey(client = kms, extra = {}) {
  const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: 'trace data', ...extra }));
  return KeyMetadata;
}

async function store(trace) {
  const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(trace)] }));
  return UnprocessedTraceSegments;
}

test('a new account answers ACTIVE with default encryption and no KeyId', async () => {
  const { EncryptionConfig } = await xray.send(new GetEncryptionConfigCommand({}));
  assert.deepEqual({ ...EncryptionConfig }, { Status: 'ACTIVE', Type: 'NONE' });
});

test('alias/aws/xray answers UPDATING with the managed key ARN, then becomes ACTIVE', async () => {
  const config = await putAndActivate('alias/aws/xray');
  assert.match(config.KeyId, keyArnPattern);
  assert.deepEqual(await store(traceId()), []);
});

test('a customer key chosen by alias, by id and by ARN answers its key ARN', async () => {
  const key = await createKey();
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/traces', TargetKeyId: key.KeyId }));
  for (const keyId of ['alias/traces', key.KeyId, key.Arn, `arn:aws:kms:us-east-1:${accountId}:alias/traces`]) {
    const config = await putAndActivate(keyId);
    assert.equal(config.KeyId, key.Arn, `KeyId for ${keyId}`);
  }
});

test('another account\'s key by ARN, where its policy allows this account', async () => {
  const other = new KMSClient(clientConfig({ credentials: credentialsFromEnv('OTHER') }));
  const otherAccount = process.env.OTHER_ACCOUNT;
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${otherAccount}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'TraceAccount', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'], Resource: '*' },
    ],
  };
  const shared = await createKey(other, { Policy: JSON.stringify(policy) });
  const config = await putAndActivate(shared.Arn);
  assert.equal(config.KeyId, shared.Arn);
  const trace = traceId();
  assert.deepEqual(await store(trace), []);
  const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 1);

  const unshared = await createKey(other);
  const refused = await rejection(() => xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: unshared.Arn })));
  assert.equal(refused.name, 'AccessDeniedException');
});

test('Type NONE answers without KeyId', async () => {
  const { EncryptionConfig } = await xray.send(new PutEncryptionConfigCommand({ Type: 'NONE' }));
  assert.deepEqual({ ...EncryptionConfig }, { Status: 'UPDATING', Type: 'NONE' });
  const active = await waitForActive(undefined);
  assert.equal(active.KeyId, undefined);
});

test('refusals: an asymmetric key, a disabled key, an unknown alias, KeyId with NONE, a caller without rights', async () => {
  const asymmetric = await createKey(kms, { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  const a = await rejection(() => xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: asymmetric.Arn })));
  assert.equal(a.name, 'InvalidRequestException');
  assert.match(a.message, /does not support asymmetric KMS keys/);

  const disabled = await createKey();
  await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
  const d = await rejection(() => xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: disabled.KeyId })));
  assert.equal(d.name, 'InvalidRequestException');
  assert.match(d.message, /is disabled/);

  const u = await rejection(() => xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: 'alias/no-such-alias' })));
  assert.equal(u.name, 'InvalidRequestException');
  assert.match(u.message, /alias\/no-such-alias/);

  const n = await rejection(() => xray.send(new PutEncryptionConfigCommand({ Type: 'NONE', KeyId: disabled.KeyId })));
  assert.equal(n.name, 'InvalidRequestException');
  assert.match(n.message, /omitted/);

  const key = await createKey();
  const noKms = new XRayClient(clientConfig({ credentials: credentialsFromEnv('NOKMS') }));
  const r = await rejection(() => noKms.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: key.Arn })));
  assert.equal(r.name, 'AccessDeniedException');
  assert.match(r.message, /kms:DescribeKey and kms:CreateGrant/);
});

async function assertStopped(keyArn, reason) {
  const trace = traceId();
  const unprocessed = await store(trace);
  assert.equal(unprocessed.length, 1, 'every segment is reported unprocessed');
  assert.equal(unprocessed[0].ErrorCode, 'KMSKeyUnusable');
  assert.ok(unprocessed[0].Message.includes(keyArn), 'the message names the key');
  assert.match(unprocessed[0].Message, reason);
  const { Traces, UnprocessedTraceIds } = await xray.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 0, 'nothing was stored');
  assert.deepEqual(UnprocessedTraceIds, [trace]);
  const { EncryptionConfig } = await xray.send(new GetEncryptionConfigCommand({}));
  assert.equal(EncryptionConfig.KeyId, keyArn, 'GetEncryptionConfig still answers');
}

async function assertStoring() {
  const trace = traceId();
  assert.deepEqual(await store(trace), []);
  const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 1);
}

test('a disabled key stops storing at once; enabling it resumes without a restart', async () => {
  const key = await createKey();
  await putAndActivate(key.Arn);
  await assertStoring();
  await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  await assertStopped(key.Arn, /is disabled/);
  await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
  await assertStoring();
});

test('a revoked grant stops storing', async () => {
  const key = await createKey();
  await putAndActivate(key.Arn);
  await assertStoring();
  const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }));
  const grant = Grants.find((g) => g.GranteePrincipal === 'xray.amazonaws.com');
  assert.ok(grant, 'Tracevault made its own grant on the key');
  await kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: grant.GrantId }));
  await assertStopped(key.Arn, /AccessDenied|not authorized/);
  await putAndActivate(key.Arn);
  await assertStoring();
});

test('a key scheduled for deletion stops storing', async () => {
  const key = await createKey();
  await putAndActivate(key.Arn);
  await assertStoring();
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
  await assertStopped(key.Arn, /pending deletion/);
  await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
  await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
  await assertStoring();
});

test('a reader without kms:Decrypt is refused; after a grant the same call succeeds', async () => {
  const key = await createKey();
  await putAndActivate(key.Arn);
  const trace = traceId();
  assert.deepEqual(await store(trace), []);
  const readerCredentials = credentialsFromEnv('READER');
  const reader = new XRayClient(clientConfig({ credentials: readerCredentials }));
  const denied = await rejection(() => reader.send(new BatchGetTracesCommand({ TraceIds: [trace] })));
  assert.equal(denied.name, 'AccessDeniedException');
  assert.ok(denied.message.includes(key.Arn), 'the refusal names the key');
  await kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: process.env.READER_ARN, Operations: ['Decrypt'] }));
  const { Traces } = await reader.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 1);
  assert.equal(Traces[0].Id, trace);
});

test('the audit trail shows the service\'s GenerateDataKey calls made on the account\'s behalf', async () => {
  const cloudtrail = new CloudTrailClient(clientConfig());
  const { Events } = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GenerateDataKey' }] }));
  assert.ok(Events.length > 0);
  const record = JSON.parse(Events[0].CloudTrailEvent);
  assert.equal(record.userIdentity.type, 'AWSService');
  assert.equal(record.userIdentity.invokedBy, 'xray.amazonaws.com');
  assert.equal(record.eventSource, 'kms.amazonaws.com');
  assert.ok(record.requestParameters.encryptionContext['aws:xray:arn'].includes(accountId));
});
