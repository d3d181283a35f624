// The JS SDK over HTTPS: the server's certificate is trusted through NODE_EXTRA_CA_CERTS, as a private CA would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KMSClient, CreateKeyCommand, GenerateDataKeyCommand, DecryptCommand } from '@aws-sdk/client-kms';
import { XRayClient, GetEncryptionConfigCommand } from '@aws-sdk/client-xray';
import { clientConfig, endpoint } from './support.mjs';

test('the endpoint is HTTPS', () => {
  assert.ok(endpoint.startsWith('https://'), endpoint);
});

test('KMS data keys round-trip over HTTPS', async () => {
  const kms = new KMSClient(clientConfig());
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'tls' }));
  const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }));
  const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
  assert.deepEqual(Buffer.from(decrypted.Plaintext), Buffer.from(dataKey.Plaintext));
});

test('X-Ray answers over HTTPS', async () => {
  const xray = new XRayClient(clientConfig());
  const { EncryptionConfig } = await xray.send(new GetEncryptionConfigCommand({}));
  assert.equal(EncryptionConfig.Type, 'NONE');
});
