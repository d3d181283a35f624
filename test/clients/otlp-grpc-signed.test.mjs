// Issue 16: OTLP/gRPC takes SigV4 as metadata from anywhere, as /v1/traces takes it in headers. @grpc/grpc-js sends an
// ExportTraceServiceRequest (spans made by the OpenTelemetry SDK, serialized by its own OTLP serializer) to OTLP_GRPC_TARGET,
// an address of this machine that is not loopback; @smithy/signature-v4 (the AWS SDK's signer, service xray) signs POST, the
// HTTP/2 path, host (:authority) and the SHA-256 of the body as it travels: the length-prefixed gRPC message frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
import { XRayClient, GetTraceSummariesCommand, BatchGetTracesCommand } from '@aws-sdk/client-xray';
import { clientConfig, adminCredentials, credentialsFromEnv, region } from './support.mjs';

const target = process.env.OTLP_GRPC_TARGET;
assert.ok(target, 'OTLP_GRPC_TARGET (HOST:PORT, not loopback) must be set');
const exportPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const xray = new XRayClient(clientConfig());
const client = new grpc.Client(target, grpc.credentials.createInsecure());

/** node:crypto as the signer's hash: SHA-256, or HMAC-SHA-256 when given a secret. */
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

/** One SERVER span of service `serviceName`, as the SDK's OTLP/protobuf serializer writes it; and its trace id in X-Ray's form. */
function exportRequest(serviceName) {
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const span = provider.getTracer('tracevault-grpc-signing').startSpan('GET /signed', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } });
  span.end();
  const traceId = span.spanContext().traceId;
  return { message: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.getFinishedSpans())), xrayId: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` };
}

/** gRPC's frame of one uncompressed message: flag 0, four-byte big-endian length, the message. */
function frame(message) {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** SigV4 metadata (service xray) for an export whose body on the wire is `body`. */
async function signedMetadata(credentials, body, { payloadHash } = {}) {
  const [hostname, port] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
  const signer = new SignatureV4({ service: 'xray', region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: exportPath,
    query: {},
    headers: { host: target, 'x-amz-content-sha256': payloadHash ?? createHash('sha256').update(body).digest('hex') },
    body,
  });
  const metadata = new grpc.Metadata();
  for (const name of ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']) {
    if (signed.headers[name]) {
      metadata.set(name, signed.headers[name]);
    }
  }
  return metadata;
}

/** Sends `message` as it is (grpc-js frames it) and resolves to the response bytes, or rejects with the gRPC error. */
function exportRaw(message, metadata) {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(exportPath, (bytes) => bytes, (bytes) => bytes, message, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function rejected(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the export was accepted');
}

async function traceCount(xrayId) {
  const answer = await xray.send(new BatchGetTracesCommand({ TraceIds: [xrayId] }));
  return answer.Traces.length;
}

test('an export signed by the admin, from an address that is not loopback, is stored and found by GetTraceSummaries', async () => {
  const { message, xrayId } = exportRequest('grpc-signed');
  const response = await exportRaw(message, await signedMetadata(adminCredentials, frame(message)));
  assert.equal(response.length, 0, 'a full success is an empty ExportTraceServiceResponse');

  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await xray.send(new GetTraceSummariesCommand({
      StartTime: new Date(Date.now() - 300_000), EndTime: new Date(Date.now() + 60_000), FilterExpression: 'service("grpc-signed")',
    }));
    if ((page.TraceSummaries ?? []).some((s) => s.Id === xrayId)) {
      break;
    }
    assert.ok(Date.now() < deadline, 'the signed export is found by GetTraceSummaries');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

test('an unsigned export from an address that is not loopback is UNAUTHENTICATED', async () => {
  const { message, xrayId } = exportRequest('grpc-unsigned');
  const error = await rejected(exportRaw(message, new grpc.Metadata()));
  assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.message);
  assert.match(error.details, /SigV4/);
  assert.equal(await traceCount(xrayId), 0);
});

test('an export signed by a user without xray:PutTraceSegments is PERMISSION_DENIED', async () => {
  const { message, xrayId } = exportRequest('grpc-reader');
  const error = await rejected(exportRaw(message, await signedMetadata(credentialsFromEnv('READER'), frame(message))));
  assert.equal(error.code, grpc.status.PERMISSION_DENIED, error.message);
  assert.match(error.details, /xray:PutTraceSegments/);
  assert.equal(await traceCount(xrayId), 0);
});

test('a signed export whose body was changed after signing is UNAUTHENTICATED', async () => {
  const signedFor = exportRequest('grpc-tampered');
  const sent = exportRequest('grpc-tampered');
  assert.equal(sent.message.length, signedFor.message.length, 'the two requests differ in their ids only');
  const error = await rejected(exportRaw(sent.message, await signedMetadata(adminCredentials, frame(signedFor.message))));
  assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.message);
  assert.equal(await traceCount(sent.xrayId), 0);
  assert.equal(await traceCount(signedFor.xrayId), 0);
});

test('a signature that leaves the body unsigned (UNSIGNED-PAYLOAD) is UNAUTHENTICATED', async () => {
  const { message, xrayId } = exportRequest('grpc-unsigned-payload');
  const error = await rejected(exportRaw(message, await signedMetadata(adminCredentials, frame(message), { payloadHash: 'UNSIGNED-PAYLOAD' })));
  assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.message);
  assert.match(error.details, /UNSIGNED-PAYLOAD/);
  assert.equal(await traceCount(xrayId), 0);
});

test('a signature from an unknown access key is UNAUTHENTICATED', async () => {
  const { message } = exportRequest('grpc-unknown-key');
  const stranger = { accessKeyId: 'AKIA' + randomBytes(8).toString('hex').toUpperCase(), secretAccessKey: randomBytes(20).toString('base64') };
  const error = await rejected(exportRaw(message, await signedMetadata(stranger, frame(message))));
  assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.message);
});
