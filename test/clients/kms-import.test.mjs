// Imported key material with the real AWS SDK for JavaScript v3 (@aws-sdk/client-kms): the material is wrapped by Node's crypto
// with the public key GetParametersForImport gives (RSAES_OAEP_SHA_256, and RSA_AES_KEY_WRAP_SHA_256 with AES key wrap with padding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publicEncrypt, createPublicKey, createCipheriv, randomBytes, constants } from 'node:crypto';
import {
  KMSClient, CreateKeyCommand, DescribeKeyCommand, EncryptCommand, DecryptCommand, GetParametersForImportCommand,
  ImportKeyMaterialCommand, DeleteImportedKeyMaterialCommand, GenerateDataKeyCommand,
} from '@aws-sdk/client-kms';
import { clientConfig, rejection } from './support.mjs';

const kms = new KMSClient(clientConfig());
const context = { app: 'byok-js' };

function assertError(error, name) {
  assert.equal(error?.name, name, `expected ${name}, got ${error?.name}: ${error?.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
}

function wrap(parameters, algorithm, material) {
  const key = createPublicKey({ key: Buffer.from(parameters.PublicKey), format: 'der', type: 'spki' });
  const oaep = { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
  if (algorithm === 'RSAES_OAEP_SHA_256') {
    return publicEncrypt(oaep, material);
  }
  // RSA_AES_KEY_WRAP_SHA_256: an AES-256 key wrapped with RSA-OAEP, then the material wrapped with it (RFC 5649, default IV).
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([publicEncrypt(oaep, aesKey), kwp.update(material), kwp.final()]);
}

async function importMaterial(keyId, material, algorithm = 'RSAES_OAEP_SHA_256', extra = { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }) {
  const parameters = await kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_3072' }));
  assert.ok(parameters.ParametersValidTo instanceof Date && parameters.ParametersValidTo - Date.now() > 23 * 3600 * 1000, 'the parameters are valid 24 hours');
  assert.equal(createPublicKey({ key: Buffer.from(parameters.PublicKey), format: 'der', type: 'spki' }).asymmetricKeyDetails.modulusLength, 3072);
  return kms.send(new ImportKeyMaterialCommand({
    KeyId: keyId, ImportToken: parameters.ImportToken, EncryptedKeyMaterial: wrap(parameters, algorithm, material), ...extra,
  }));
}

for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256']) {
  test(`material wrapped with ${algorithm} imports, encrypts, is deleted (crypto-shredding) and comes back only as itself`, async () => {
    const created = await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', Description: 'byok' }));
    const keyId = created.KeyMetadata.KeyId;
    assert.deepEqual([created.KeyMetadata.KeyState, created.KeyMetadata.Origin, created.KeyMetadata.Enabled], ['PendingImport', 'EXTERNAL', false]);
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }))), 'KMSInvalidStateException');

    const material = randomBytes(32);
    const imported = await importMaterial(keyId, material, algorithm);
    assert.equal(imported.KeyId, created.KeyMetadata.Arn);
    assert.match(imported.KeyMaterialId, /^[0-9a-f]{64}$/);
    const described = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    assert.deepEqual([described.KeyState, described.Origin, described.ExpirationModel], ['Enabled', 'EXTERNAL', 'KEY_MATERIAL_DOES_NOT_EXPIRE']);

    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('brought my own key'), EncryptionContext: context }));
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(decrypted.Plaintext).toString(), 'brought my own key');

    const deleted = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
    assert.equal(deleted.KeyId, created.KeyMetadata.Arn);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata.KeyState, 'PendingImport');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }))), 'KMSInvalidStateException');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }))), 'KMSInvalidStateException');

    assertError(await rejection(() => importMaterial(keyId, randomBytes(32), algorithm)), 'IncorrectKeyMaterialException');
    const validTo = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    await importMaterial(keyId, material, algorithm, { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo });
    const again = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }));
    assert.deepEqual(Buffer.from(again.Plaintext), Buffer.from(dataKey.Plaintext));
    const expiring = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    assert.equal(expiring.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(Math.floor(expiring.ValidTo.getTime() / 1000), Math.floor(validTo.getTime() / 1000));
  });
}

test('bad import requests get the model errors', async () => {
  const external = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata.KeyId;
  const other = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata.KeyId;
  const generated = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
  assertError(await rejection(() => kms.send(new GetParametersForImportCommand({ KeyId: generated, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }))),
    'UnsupportedOperationException');
  assertError(await rejection(() => kms.send(new GetParametersForImportCommand({ KeyId: external, WrappingAlgorithm: 'RSAES_PKCS1_V1_5', WrappingKeySpec: 'RSA_2048' }))),
    'UnsupportedOperationException');
  assertError(await rejection(() => kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))), 'UnsupportedOperationException');

  const parameters = await kms.send(new GetParametersForImportCommand({ KeyId: external, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
  const wrapped = wrap(parameters, 'RSAES_OAEP_SHA_256', randomBytes(32));
  assertError(await rejection(() => kms.send(new ImportKeyMaterialCommand({
    KeyId: other, ImportToken: parameters.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  }))), 'InvalidImportTokenException');
  assertError(await rejection(() => kms.send(new ImportKeyMaterialCommand({
    KeyId: external, ImportToken: parameters.ImportToken, EncryptedKeyMaterial: randomBytes(256), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  }))), 'InvalidCiphertextException');
  assertError(await rejection(() => kms.send(new ImportKeyMaterialCommand({ KeyId: external, ImportToken: parameters.ImportToken, EncryptedKeyMaterial: wrapped }))),
    'ValidationException');
  assertError(await rejection(() => kms.send(new ImportKeyMaterialCommand({
    KeyId: external, ImportToken: parameters.ImportToken, EncryptedKeyMaterial: wrap(parameters, 'RSAES_OAEP_SHA_256', randomBytes(16)), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  }))), 'IncorrectKeyMaterialException');
  assertError(await rejection(() => kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: generated }))), 'UnsupportedOperationException');
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: external }))).KeyMetadata.KeyState, 'PendingImport');
});
