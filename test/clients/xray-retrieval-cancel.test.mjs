// CancelTraceRetrieval with the real AWS SDK for JavaScript v3, on a node that runs no retrievals (so a retrieval stays
// SCHEDULED until another node takes it): it answers SCHEDULED with nothing yet, is cancelled, then answers CANCELLED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, StartTraceRetrievalCommand, ListRetrievedTracesCommand, GetRetrievedTracesGraphCommand, CancelTraceRetrievalCommand,
} from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';

const xray = new XRayClient(clientConfig());
const now = Math.floor(Date.now() / 1000);

test('a scheduled retrieval answers SCHEDULED and nothing, is cancelled, then answers CANCELLED, and cancelling again changes nothing', async () => {
  const traceId = `1-${now.toString(16)}-${randomBytes(12).toString('hex')}`;
  const { RetrievalToken } = await xray.send(new StartTraceRetrievalCommand({ TraceIds: [traceId], StartTime: new Date((now - 60) * 1000), EndTime: new Date(now * 1000) }));

  const waiting = await xray.send(new ListRetrievedTracesCommand({ RetrievalToken, TraceFormat: 'OTEL' }));
  assert.equal(waiting.RetrievalStatus, 'SCHEDULED');
  assert.deepEqual(waiting.Traces, []);
  const graph = await xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }));
  assert.equal(graph.RetrievalStatus, 'SCHEDULED');
  assert.deepEqual(graph.Services, []);

  const cancelled = await xray.send(new CancelTraceRetrievalCommand({ RetrievalToken }));
  assert.equal(cancelled.$metadata.httpStatusCode, 200);
  assert.equal((await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }))).RetrievalStatus, 'CANCELLED');
  assert.equal((await xray.send(new GetRetrievedTracesGraphCommand({ RetrievalToken }))).RetrievalStatus, 'CANCELLED');
  // Cancelling it again changes nothing and is no error.
  await xray.send(new CancelTraceRetrievalCommand({ RetrievalToken }));
  assert.equal((await xray.send(new ListRetrievedTracesCommand({ RetrievalToken }))).RetrievalStatus, 'CANCELLED');
});
