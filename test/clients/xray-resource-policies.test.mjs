// X-Ray resource policies with the real AWS SDK for JavaScript v3: PutResourcePolicy, ListResourcePolicies and
// DeleteResourcePolicy with X-Ray's revisions, limits and errors; and cross-account ingest: a user of account B sends segments
// into account A (the endpoint URL names A: ENDPOINT/accounts/A) exactly while one of A's resource policies allows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  XRayClient, PutResourcePolicyCommand, ListResourcePoliciesCommand, DeleteResourcePolicyCommand,
  PutTraceSegmentsCommand, BatchGetTracesCommand, GetTraceSummariesCommand, PutEncryptionConfigCommand, GetEncryptionConfigCommand,
} from '@aws-sdk/client-xray';
import { KMSClient, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { clientConfig, credentialsFromEnv, rejection, accountId, endpoint, region } from './support.mjs';

const adminArn = process.env.ADMIN_ARN;
const senderAccount = process.env.SENDER_ACCOUNT;
const senderArn = process.env.SENDER_ARN;
assert.ok(adminArn && senderAccount && senderArn, 'ADMIN_ARN, SENDER_ACCOUNT and SENDER_ARN must be set');

const xray = new XRayClient(clientConfig());
const kms = new KMSClient(clientConfig());
const senderCredentials = credentialsFromEnv('SENDER');
// The sender's client, pointed at account A by its endpoint URL alone: nothing else about it is special.
const intoA = new XRayClient(clientConfig({ endpoint: `${endpoint}/accounts/${accountId}`, credentials: senderCredentials }));
const senderOwn = new XRayClient(clientConfig({ credentials: senderCredentials }));

const policy = (statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allowSender = policy([{
  Sid: 'SenderMaySend', Effect: 'Allow', Principal: { AWS: senderArn }, Action: 'xray:PutTraceSegments', Resource: '*',
}]);

function assertError(error, name, pattern) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.match(error.message, pattern);
}

async function listNames() {
  const { ResourcePolicies, NextToken } = await xray.send(new ListResourcePoliciesCommand({}));
  assert.equal(NextToken, undefined);
  return ResourcePolicies.map((p) => p.PolicyName);
}

async function deleteAll() {
  for (const name of await listNames()) {
    await xray.send(new DeleteResourcePolicyCommand({ PolicyName: name }));
  }
}

function traceId() {
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function segment(trace, name = 'sender-service') {
  const now = Date.now() / 1000;
  return JSON.stringify({ name, id: randomBytes(8).toString('hex'), trace_id: trace, start_time: now - 0.5, end_time: now });
}

async function readByA(trace) {
  const { Traces, UnprocessedTraceIds } = await xray.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  return { found: Traces.length, unprocessed: UnprocessedTraceIds };
}

async function assertRefused(pattern) {
  const trace = traceId();
  const denied = await rejection(() => intoA.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(trace)] })));
  assertError(denied, 'AccessDeniedException', pattern);
  assert.equal(denied.$metadata.httpStatusCode, 403);
  assert.deepEqual(await readByA(trace), { found: 0, unprocessed: [trace] }, 'nothing of a refused request is stored');
}

async function assertAccepted() {
  const trace = traceId();
  const { UnprocessedTraceSegments } = await intoA.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(trace)] }));
  assert.deepEqual(UnprocessedTraceSegments, []);
  const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 1, 'account A reads what B sent into it');
  assert.equal(JSON.parse(Traces[0].Segments[0].Document).name, 'sender-service');
  return trace;
}

test('a policy is created at revision 1, replaced with the next revision, listed and deleted', async () => {
  await deleteAll();
  const before = Date.now();
  const { ResourcePolicy: created } = await xray.send(new PutResourcePolicyCommand({ PolicyName: 'crud.policy_1', PolicyDocument: allowSender }));
  assert.equal(created.PolicyName, 'crud.policy_1');
  assert.equal(created.PolicyDocument, allowSender, 'the document is answered exactly as given');
  assert.equal(created.PolicyRevisionId, '1');
  assert.ok(created.LastUpdatedTime instanceof Date);
  assert.ok(created.LastUpdatedTime.getTime() >= before - 1000 && created.LastUpdatedTime.getTime() <= Date.now() + 1000);

  const second = (await xray.send(new PutResourcePolicyCommand({ PolicyName: 'crud.policy_1', PolicyDocument: allowSender }))).ResourcePolicy;
  assert.equal(second.PolicyRevisionId, '2', 'without a revision id, a put replaces the policy with the next revision');
  const third = (await xray.send(new PutResourcePolicyCommand({ PolicyName: 'crud.policy_1', PolicyDocument: allowSender, PolicyRevisionId: '2' }))).ResourcePolicy;
  assert.equal(third.PolicyRevisionId, '3');

  const { ResourcePolicies } = await xray.send(new ListResourcePoliciesCommand({}));
  assert.deepEqual(ResourcePolicies, [third]);

  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'crud.policy_1', PolicyRevisionId: '3' }));
  assert.deepEqual(await listNames(), []);
  // Deleting what is not there (without a revision id) is already done.
  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'crud.policy_1' }));
});

test('a revision id that is not the latest is refused with InvalidPolicyRevisionIdException', async () => {
  await deleteAll();
  const { ResourcePolicy } = await xray.send(new PutResourcePolicyCommand({ PolicyName: 'rev', PolicyDocument: allowSender, PolicyRevisionId: '0' }));
  assert.equal(ResourcePolicy.PolicyRevisionId, '1', 'revision 0 creates a policy that does not exist');

  assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'rev', PolicyDocument: allowSender, PolicyRevisionId: '0' }))),
    'InvalidPolicyRevisionIdException', /already exists/);
  assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'rev', PolicyDocument: allowSender, PolicyRevisionId: '7' }))),
    'InvalidPolicyRevisionIdException', /'7' is not the latest revision/);
  assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'rev', PolicyDocument: allowSender, PolicyRevisionId: 'abc' }))),
    'InvalidPolicyRevisionIdException', /not the latest revision/);
  assertError(await rejection(() => xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'rev', PolicyRevisionId: '2' }))),
    'InvalidPolicyRevisionIdException', /'2' is not the latest revision/);
  assertError(await rejection(() => xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'missing', PolicyRevisionId: '1' }))),
    'InvalidPolicyRevisionIdException', /not the latest revision/);

  const { ResourcePolicies } = await xray.send(new ListResourcePoliciesCommand({}));
  assert.deepEqual(ResourcePolicies, [ResourcePolicy], 'nothing refused changed the policy');
  await deleteAll();
});

test('a document that is not a valid resource policy is refused with MalformedPolicyDocumentException', async () => {
  await deleteAll();
  const cases = [
    ['{"Version": "2012-10-17", "Statement": [', /not valid JSON/],
    [policy([{ Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' }]), /neither Principal nor NotPrincipal/],
    [policy([{ Effect: 'Permit', Principal: { AWS: senderArn }, Action: 'xray:PutTraceSegments', Resource: '*' }]), /"Allow" or "Deny"/],
    [policy([{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 'xray:PutTraceSegments', Resource: '*' }]), /12-digit account id or an ARN/],
    [JSON.stringify({ Version: '2012-10-17' }), /no Statement/],
  ];
  for (const [document, pattern] of cases) {
    assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'bad', PolicyDocument: document }))),
      'MalformedPolicyDocumentException', pattern);
  }
  assert.deepEqual(await listNames(), []);
});

test('a document over 5 KB is refused with PolicySizeLimitExceededException; 5 KB exactly is taken', async () => {
  await deleteAll();
  const sized = (bytes) => {
    const base = policy([{ Sid: '', Effect: 'Allow', Principal: { AWS: senderArn }, Action: 'xray:PutTraceSegments', Resource: '*' }]);
    return base.replace('"Sid":""', `"Sid":"${'S'.repeat(bytes - base.length)}"`);
  };
  assert.equal(Buffer.byteLength(sized(5120)), 5120);
  const error = await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'big', PolicyDocument: sized(5121) })));
  assertError(error, 'PolicySizeLimitExceededException', /5121 bytes; a resource policy may be at most 5120 bytes/);
  assert.equal(error.$metadata.httpStatusCode, 400);
  const { ResourcePolicy } = await xray.send(new PutResourcePolicyCommand({ PolicyName: 'big', PolicyDocument: sized(5120) }));
  assert.equal(ResourcePolicy.PolicyDocument.length, 5120);
  await deleteAll();
});

test('an account holds at most 5 policies: a sixth is refused with PolicyCountLimitExceededException, a change is not', async () => {
  await deleteAll();
  for (let i = 1; i <= 5; i++) {
    await xray.send(new PutResourcePolicyCommand({ PolicyName: `p${i}`, PolicyDocument: allowSender }));
  }
  assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'p6', PolicyDocument: allowSender }))),
    'PolicyCountLimitExceededException', /5 resource policies/);
  const { ResourcePolicy } = await xray.send(new PutResourcePolicyCommand({ PolicyName: 'p3', PolicyDocument: allowSender }));
  assert.equal(ResourcePolicy.PolicyRevisionId, '2');
  assert.deepEqual(await listNames(), ['p1', 'p2', 'p3', 'p4', 'p5']);
  await deleteAll();
});

test('a policy that would deny its author PutResourcePolicy is refused with LockoutPreventionException unless the check is bypassed', async () => {
  await deleteAll();
  const lockout = policy([{ Effect: 'Deny', Principal: { AWS: adminArn }, Action: 'xray:PutResourcePolicy', Resource: '*' }]);
  assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'lockout', PolicyDocument: lockout }))),
    'LockoutPreventionException', /would deny .* the xray:PutResourcePolicy action/);
  assert.deepEqual(await listNames(), []);

  await xray.send(new PutResourcePolicyCommand({ PolicyName: 'lockout', PolicyDocument: lockout, BypassPolicyLockoutCheck: true }));
  const denied = await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: 'other', PolicyDocument: allowSender })));
  assertError(denied, 'AccessDeniedException', /explicit deny in a resource-based policy/);
  assert.deepEqual(await listNames(), ['lockout'], 'the resource policy governs its author as any caller');

  // The policy denies only PutResourcePolicy: its author can still delete it, and is free again.
  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'lockout' }));
  await xray.send(new PutResourcePolicyCommand({ PolicyName: 'other', PolicyDocument: allowSender }));
  await deleteAll();
});

test('bad names and tokens are InvalidRequestException; a caller without permission is AccessDeniedException', async () => {
  for (const name of ['has space', 'slash/ed', 'x'.repeat(129)]) {
    assertError(await rejection(() => xray.send(new PutResourcePolicyCommand({ PolicyName: name, PolicyDocument: allowSender }))),
      'InvalidRequestException', /PolicyName must be 1 to 128 characters/);
  }
  assertError(await rejection(() => xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'a b' }))), 'InvalidRequestException', /PolicyName/);
  assertError(await rejection(() => xray.send(new ListResourcePoliciesCommand({ NextToken: 'abc' }))), 'InvalidRequestException', /NextToken is not valid/);
  for (const command of [
    new ListResourcePoliciesCommand({}),
    new PutResourcePolicyCommand({ PolicyName: 'p', PolicyDocument: allowSender }),
    new DeleteResourcePolicyCommand({ PolicyName: 'p' }),
  ]) {
    const denied = await rejection(() => senderOwn.send(command));
    assertError(denied, 'AccessDeniedException', /is not authorized to perform: xray:\w+ResourcePolic(y|ies) on resource: \*/);
  }
});

test('a user of account B sends segments into account A exactly while one of A\'s resource policies allows it', async () => {
  await deleteAll();
  await assertRefused(new RegExp(`User: ${senderArn} is not authorized to perform: xray:PutTraceSegments on resource: \\* because no resource-based policy of account ${accountId} allows`));

  // aws:SourceAccount/aws:SourceArn are, as in AWS, only in the context of a service principal acting for a resource: a policy
  // written for one (the SNS pattern) does not let a user in.
  await xray.send(new PutResourcePolicyCommand({
    PolicyName: 'service-pattern',
    PolicyDocument: policy([{
      Effect: 'Allow', Principal: { AWS: senderAccount }, Action: 'xray:PutTraceSegments', Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': senderAccount } },
    }]),
  }));
  await assertRefused(/no resource-based policy/);

  await xray.send(new PutResourcePolicyCommand({ PolicyName: 'allow-sender', PolicyDocument: allowSender }));
  const trace = await assertAccepted();
  // It is A's trace, not B's: B's own account does not have it.
  const { Traces } = await senderOwn.send(new BatchGetTracesCommand({ TraceIds: [trace] }));
  assert.equal(Traces.length, 0);

  // Other operations act on the caller's own account only.
  const other = await rejection(() => intoA.send(new GetTraceSummariesCommand({ StartTime: new Date(Date.now() - 60_000), EndTime: new Date() })));
  assertError(other, 'InvalidRequestException', /only PutTraceSegments may be sent into another account/);

  // A deny in any of A's policies wins over the allow.
  await xray.send(new PutResourcePolicyCommand({
    PolicyName: 'deny-sender',
    PolicyDocument: policy([{ Effect: 'Deny', Principal: { AWS: senderAccount }, Action: 'xray:*', Resource: '*' }]),
  }));
  await assertRefused(/explicit deny in a resource-based policy/);
  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'deny-sender' }));
  await assertAccepted();

  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'allow-sender' }));
  await assertRefused(/no resource-based policy/);
  await deleteAll();
});

test('a policy naming B\'s account (and a condition on aws:PrincipalAccount) lets B\'s user in, as its own IAM policy allows', async () => {
  await deleteAll();
  await xray.send(new PutResourcePolicyCommand({
    PolicyName: 'allow-account-b',
    PolicyDocument: policy([{
      Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${senderAccount}:root` }, Action: 'xray:PutTraceSegments', Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': senderAccount } },
    }]),
  }));
  await assertAccepted();
  await deleteAll();
  await assertRefused(/no resource-based policy/);
});

test('segments B sends into A are sealed under A\'s setting: A\'s unusable key stops them, as A\'s own', async () => {
  await deleteAll();
  await xray.send(new PutResourcePolicyCommand({ PolicyName: 'allow-sender', PolicyDocument: allowSender }));
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ Description: 'account A trace data' }));
  await xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: key.Arn }));
  const deadline = Date.now() + 60_000; // a ceiling for a loaded machine, not a speed claim
  while ((await xray.send(new GetEncryptionConfigCommand({}))).EncryptionConfig.Status !== 'ACTIVE') {
    assert.ok(Date.now() < deadline, 'the setting never became ACTIVE');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await assertAccepted();

  await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  const trace = traceId();
  const { UnprocessedTraceSegments } = await intoA.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(trace)] }));
  assert.equal(UnprocessedTraceSegments.length, 1);
  assert.equal(UnprocessedTraceSegments[0].ErrorCode, 'KMSKeyUnusable');
  assert.ok(UnprocessedTraceSegments[0].Message.includes(key.Arn), 'the message names A\'s key');
  assert.deepEqual(await readByA(trace), { found: 0, unprocessed: [trace] });

  await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
  await assertAccepted();
  await xray.send(new PutEncryptionConfigCommand({ Type: 'NONE' }));
  await deleteAll();
});

class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** Posts an OTLP/JSON export of one span, SigV4-signed (service xray) by B's user, to `path`; answers the status and the X-Ray trace id. */
async function exportSpan(path) {
  const traceHex = randomBytes(16).toString('hex');
  const seconds = Math.floor(Date.now() / 1000);
  const w3c = seconds.toString(16).padStart(8, '0') + traceHex.slice(8);
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'sender-otlp' } }] },
      scopeSpans: [{ spans: [{
        traceId: w3c, spanId: randomBytes(8).toString('hex'), name: 'GET /', kind: 2,
        startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now),
      }] }],
    }],
  });
  const url = new URL(endpoint + path);
  const signer = new SignatureV4({ service: 'xray', region, credentials: senderCredentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {},
    headers: { host: url.host, 'content-type': 'application/json', 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
    body,
  });
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, text: await response.text(), trace: `1-${w3c.slice(0, 8)}-${w3c.slice(8)}` };
}

test('OTLP /v1/traces takes the same path: B\'s signed export lands in A only while A\'s policy allows it', async () => {
  await deleteAll();
  const refused = await exportSpan(`/accounts/${accountId}/v1/traces`);
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.text, /AccessDeniedException.*no resource-based policy/);
  assert.deepEqual(await readByA(refused.trace), { found: 0, unprocessed: [refused.trace] });

  await xray.send(new PutResourcePolicyCommand({ PolicyName: 'allow-sender', PolicyDocument: allowSender }));
  const accepted = await exportSpan(`/accounts/${accountId}/v1/traces`);
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal((await readByA(accepted.trace)).found, 1);

  await xray.send(new DeleteResourcePolicyCommand({ PolicyName: 'allow-sender' }));
  const again = await exportSpan(`/accounts/${accountId}/v1/traces`);
  assert.equal(again.status, 403, again.text);
});
