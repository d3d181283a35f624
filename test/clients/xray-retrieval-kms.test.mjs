// Trace retrieval under a customer KMS key, with the real AWS SDK for JavaScript v3: the retrieved traces are read with the
// caller's own right to the key. A reader allowed xray:* but not kms:Decrypt is refused (AccessDeniedException naming the
// key); after a grant of Decrypt the same calls answer the trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KMSClient, CreateKeyCommand, CreateGrantCommand } from '@aws-sdk/client-kms';
import {
  XRayClient, PutEncryptionConfigCommand, GetEncryptionConfigCommand, PutTraceSegmentsCommand, StartTraceRetrievalCommand,
  ListRetrievedTracesCommand, GetRetrievedTracesGraphCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection } from './support.mjs';

const xray = new XRayClient(clientConfig());
const kms = new KMSClient(clientConfig());
const reader = new XRayClient(clientConfig({ credentials: credentialsFromEnv('READER') }));

async function poll(what, timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result) {
      return result;
    }
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a reader without kms:Decrypt on the key is refused the retrieved traces and graph; after a grant it reads them', async () => {
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ Description: 'retrieved traces' }));
  await xray.send(new PutEncryptionConfigCommand({ Type: 'KMS', KeyId: key.Arn }));
  await poll('the setting is ACTIVE', 60_000, async () => (await xray.send(new GetEncryptionConfigCommand({}))).EncryptionConfig.Status === 'ACTIVE');

  const now = Math.floor(Date.now() / 1000);
  const traceId = `1-${now.toString(16)}-${randomBytes(12).toString('hex')}`;
  const segment = { trace_id: traceId, id: randomBytes(8).toString('hex'), name: 'kms-guarded', start_time: now - 1, end_time: now - 0.5 };
  const put = await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(segment)] }));
  assert.deepEqual(put.UnprocessedTraceSegments, []);

  // The reader may start a retrieval (its ids are sealed by the service under the account's key) and see its status.
  const { RetrievalToken } = await reader.send(new StartTraceRetrievalCommand({ TraceIds: [traceId], StartTime: new Date((now - 60) * 1000), EndTime: new Date((now + 60) * 1000) }));
  await poll('the retrieval completes', 20_000, async () => (await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }))).RetrievalStatus === 'COMPLETE');

  for (const call of [() => reader.send(new ListRetrievedTracesCommand({ RetrievalToken, TraceFormat: 'OTEL' })), () => reader.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }))]) {
    const denied = await rejection(call);
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.$metadata.httpStatusCode, 403);
    assert.ok(denied.message.includes(key.Arn), `the refusal names the key: ${denied.message}`);
  }

  await kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: process.env.READER_ARN, Operations: ['Decrypt'] }));
  const listed = await reader.send(new ListRetrievedTracesCommand({ RetrievalToken }));
  assert.deepEqual(listed.Traces.map((t) => t.Id), [traceId]);
  assert.deepEqual(JSON.parse(listed.Traces[0].Spans[0].Document), segment);
  const graph = await reader.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }));
  assert.deepEqual(graph.Services.map((s) => s.Service.Name ?? s.Service.Type), ['client', 'kms-guarded']);
});
