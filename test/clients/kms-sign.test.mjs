// Sign/Verify and GenerateMac/VerifyMac with the real AWS SDK for JavaScript v3 (@aws-sdk/client-kms),
// each signature also checked by Node's own crypto.verify with the key GetPublicKey gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, constants } from 'node:crypto';
import {
  KMSClient, CreateKeyCommand, DescribeKeyCommand, GetPublicKeyCommand, SignCommand, VerifyCommand, GenerateMacCommand, VerifyMacCommand,
  EncryptCommand, DisableKeyCommand,
} from '@aws-sdk/client-kms';
import { clientConfig, rejection } from './support.mjs';

const kms = new KMSClient(clientConfig());
const message = new TextEncoder().encode('release 1.0 of the trace store \u00e9');

function assertError(error, name) {
  assert.equal(error?.name, name, `expected ${name}, got ${error?.name}: ${error?.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
}

function changed(bytes) {
  const copy = Uint8Array.from(bytes);
  copy[0] ^= 1;
  return copy;
}

const signingCases = [
  { spec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256', node: { hash: 'sha256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  { spec: 'RSA_3072', algorithm: 'RSASSA_PSS_SHA_512', node: { hash: 'sha512', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } },
  { spec: 'RSA_2048', algorithm: 'RSASSA_PKCS1_V1_5_SHA_256', node: { hash: 'sha256', padding: constants.RSA_PKCS1_PADDING } },
  { spec: 'RSA_4096', algorithm: 'RSASSA_PKCS1_V1_5_SHA_384', node: { hash: 'sha384', padding: constants.RSA_PKCS1_PADDING } },
  { spec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256', node: { hash: 'sha256', dsaEncoding: 'der' } },
  { spec: 'ECC_NIST_P384', algorithm: 'ECDSA_SHA_384', node: { hash: 'sha384', dsaEncoding: 'der' } },
  { spec: 'ECC_NIST_P521', algorithm: 'ECDSA_SHA_512', node: { hash: 'sha512', dsaEncoding: 'der' } },
  { spec: 'ECC_SECG_P256K1', algorithm: 'ECDSA_SHA_256', node: { hash: 'sha256', dsaEncoding: 'der' } },
];

for (const { spec, algorithm, node } of signingCases) {
  test(`${spec} ${algorithm}: Sign verifies with Verify and with crypto.verify; a changed message does not`, async () => {
    const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY', Description: `sign ${spec}` }));
    const keyArn = created.KeyMetadata.Arn;
    assert.ok(created.KeyMetadata.SigningAlgorithms.includes(algorithm), `${spec} offers ${algorithm}`);

    const signed = await kms.send(new SignCommand({ KeyId: created.KeyMetadata.KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm }));
    assert.equal(signed.KeyId, keyArn);
    assert.equal(signed.SigningAlgorithm, algorithm);
    assert.ok(signed.Signature instanceof Uint8Array && signed.Signature.length > 0);

    const verified = await kms.send(new VerifyCommand({ KeyId: keyArn, Message: message, Signature: signed.Signature, SigningAlgorithm: algorithm }));
    assert.deepEqual([verified.SignatureValid, verified.KeyId, verified.SigningAlgorithm], [true, keyArn, algorithm]);

    const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: keyArn }));
    assert.equal(publicKey.KeySpec, spec);
    assert.deepEqual(publicKey.SigningAlgorithms, created.KeyMetadata.SigningAlgorithms);
    const key = createPublicKey({ key: Buffer.from(publicKey.PublicKey), format: 'der', type: 'spki' });
    const { hash, ...options } = node;
    assert.equal(verify(hash, message, { key, ...options }, signed.Signature), true, 'Node verifies the signature with the public key');
    assert.equal(verify(hash, changed(message), { key, ...options }, signed.Signature), false);

    assertError(await rejection(() => kms.send(new VerifyCommand({ KeyId: keyArn, Message: changed(message), Signature: signed.Signature, SigningAlgorithm: algorithm }))),
      'KMSInvalidSignatureException');
    assertError(await rejection(() => kms.send(new VerifyCommand({ KeyId: keyArn, Message: message, Signature: changed(signed.Signature), SigningAlgorithm: algorithm }))),
      'KMSInvalidSignatureException');

    // A digest signed as DIGEST is the message's signature.
    const digest = createHash(hash).update(message).digest();
    const fromDigest = await kms.send(new SignCommand({ KeyId: keyArn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: algorithm }));
    assert.equal(verify(hash, message, { key, ...options }, fromDigest.Signature), true, 'a DIGEST signature verifies against the message');
    assertError(await rejection(() => kms.send(new SignCommand({ KeyId: keyArn, Message: digest.subarray(1), MessageType: 'DIGEST', SigningAlgorithm: algorithm }))),
      'ValidationException');
  });
}

test('Sign refuses what the key cannot do, too long a message, and a disabled key', async () => {
  const created = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
  const keyId = created.KeyMetadata.KeyId;
  assertError(await rejection(() => kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))), 'InvalidKeyUsageException');
  assertError(await rejection(() => kms.send(new SignCommand({ KeyId: keyId, Message: new Uint8Array(4097), SigningAlgorithm: 'ECDSA_SHA_256' }))), 'ValidationException');
  const symmetric = await kms.send(new CreateKeyCommand({}));
  assertError(await rejection(() => kms.send(new SignCommand({ KeyId: symmetric.KeyMetadata.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'InvalidKeyUsageException');
  await kms.send(new DisableKeyCommand({ KeyId: keyId }));
  assertError(await rejection(() => kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'DisabledException');
});

for (const [spec, algorithm, hash] of [['HMAC_224', 'HMAC_SHA_224', 'sha224'], ['HMAC_256', 'HMAC_SHA_256', 'sha256'], ['HMAC_384', 'HMAC_SHA_384', 'sha384'], ['HMAC_512', 'HMAC_SHA_512', 'sha512']]) {
  test(`${spec}: GenerateMac verifies with VerifyMac; a changed message or MAC fails with KMSInvalidMacException`, async () => {
    const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' }));
    const meta = created.KeyMetadata;
    assert.deepEqual([meta.KeySpec, meta.KeyUsage, meta.MacAlgorithms, meta.SigningAlgorithms, meta.EncryptionAlgorithms], [spec, 'GENERATE_VERIFY_MAC', [algorithm], undefined, undefined]);
    assert.deepEqual((await kms.send(new DescribeKeyCommand({ KeyId: meta.KeyId }))).KeyMetadata.MacAlgorithms, [algorithm]);

    const generated = await kms.send(new GenerateMacCommand({ KeyId: meta.KeyId, Message: message, MacAlgorithm: algorithm }));
    assert.deepEqual([generated.KeyId, generated.MacAlgorithm, generated.Mac.length], [meta.Arn, algorithm, createHash(hash).digest().length]);
    const verified = await kms.send(new VerifyMacCommand({ KeyId: meta.Arn, Message: message, Mac: generated.Mac, MacAlgorithm: algorithm }));
    assert.deepEqual([verified.MacValid, verified.KeyId, verified.MacAlgorithm], [true, meta.Arn, algorithm]);

    assertError(await rejection(() => kms.send(new VerifyMacCommand({ KeyId: meta.Arn, Message: changed(message), Mac: generated.Mac, MacAlgorithm: algorithm }))), 'KMSInvalidMacException');
    assertError(await rejection(() => kms.send(new VerifyMacCommand({ KeyId: meta.Arn, Message: message, Mac: changed(generated.Mac), MacAlgorithm: algorithm }))), 'KMSInvalidMacException');
    const other = algorithm === 'HMAC_SHA_512' ? 'HMAC_SHA_256' : 'HMAC_SHA_512';
    assertError(await rejection(() => kms.send(new GenerateMacCommand({ KeyId: meta.Arn, Message: message, MacAlgorithm: other }))), 'InvalidKeyUsageException');
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: meta.Arn, Plaintext: message }))), 'InvalidKeyUsageException');
    assertError(await rejection(() => kms.send(new GetPublicKeyCommand({ KeyId: meta.Arn }))), 'UnsupportedOperationException');
  });
}
