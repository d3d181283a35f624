// Data key pairs and key agreement through @aws-sdk/client-kms, checked with Node's own crypto: a data key pair's private key decrypts
// and signs for its public key; DeriveSharedSecret gives the secret Node's ECDH computes from the peer's side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  KMSClient, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, GetPublicKeyCommand, GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand, DeriveSharedSecretCommand,
} from '@aws-sdk/client-kms';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { clientConfig, rejection } from './support.mjs';

const kms = new KMSClient(clientConfig());
const cloudtrail = new CloudTrailClient(clientConfig());
const context = { app: 'pairs', tenant: '42' };
const message = Buffer.from('signed outside KMS with a data key pair');
const failsWith = (error, name) => assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);

/** Signs with the private key (PKCS#8 DER) and verifies with the public key (SPKI DER), as a user of the pair would. */
function assertPair(privateDer, publicDer) {
  const privateKey = crypto.createPrivateKey({ key: Buffer.from(privateDer), format: 'der', type: 'pkcs8' });
  const publicKey = crypto.createPublicKey({ key: Buffer.from(publicDer), format: 'der', type: 'spki' });
  const signature = crypto.sign('sha256', message, privateKey);
  assert.ok(crypto.verify('sha256', message, publicKey, signature), 'the private key signs for the public key');
  assert.ok(!crypto.verify('sha256', Buffer.from('another message'), publicKey, signature));
  return { privateKey, publicKey };
}

test('GenerateDataKeyPair: the encrypted private key decrypts with Decrypt and the context, and signs for the public key (RSA and ECC)', async () => {
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ Description: 'wraps data key pairs' }));
  for (const [spec, type, detail] of [['RSA_2048', 'rsa', 2048], ['RSA_3072', 'rsa', 3072], ['ECC_NIST_P256', 'ec', 'prime256v1'],
    ['ECC_NIST_P384', 'ec', 'secp384r1'], ['ECC_NIST_P521', 'ec', 'secp521r1'], ['ECC_SECG_P256K1', 'ec', 'secp256k1']]) {
    const pair = await kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: spec, EncryptionContext: context }));
    assert.equal(pair.KeyId, key.Arn);
    assert.equal(pair.KeyPairSpec, spec);
    assert.match(pair.KeyMaterialId, /^[0-9a-f]{64}$/);
    const { Plaintext, KeyId } = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: context }));
    assert.equal(KeyId, key.Arn);
    assert.deepEqual(Buffer.from(Plaintext), Buffer.from(pair.PrivateKeyPlaintext), `${spec}: Decrypt gives back the private key`);
    const { privateKey, publicKey } = assertPair(Plaintext, pair.PublicKey);
    assert.equal(privateKey.asymmetricKeyType, type);
    assert.equal(type === 'rsa' ? publicKey.asymmetricKeyDetails.modulusLength : publicKey.asymmetricKeyDetails.namedCurve, detail);
    failsWith(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { app: 'pairs' } }))),
      'InvalidCiphertextException');
  }
});

test('GenerateDataKeyPairWithoutPlaintext: no private key in the answer, and Decrypt gives one that matches the public key', async () => {
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({}));
  const pair = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key.Arn, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context }));
  assert.equal(pair.PrivateKeyPlaintext, undefined);
  assert.equal(pair.KeyPairSpec, 'ECC_NIST_P256');
  const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: context }));
  assertPair(Plaintext, pair.PublicKey);

  const events = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GenerateDataKeyPairWithoutPlaintext' }] }));
  const record = JSON.parse(events.Events.find((e) => e.Resources?.some((r) => r.ResourceName === key.Arn)).CloudTrailEvent);
  assert.equal(record.requestParameters.keyPairSpec, 'ECC_NIST_P256');
  assert.deepEqual(record.requestParameters.encryptionContext, context);
});

test('GenerateDataKeyPair refuses keys other than symmetric encryption keys, specs it cannot make, Recipient and DryRun as KMS does', async () => {
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({}));
  const { KeyMetadata: signing } = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
  const { KeyMetadata: rsa } = await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }));
  for (const other of [signing, rsa]) {
    failsWith(await rejection(() => kms.send(new GenerateDataKeyPairCommand({ KeyId: other.Arn, KeyPairSpec: 'RSA_2048' }))), 'InvalidKeyUsageException');
  }
  failsWith(await rejection(() => kms.send(new GenerateDataKeyPairCommand({ KeyId: key.Arn, KeyPairSpec: 'SM2' }))), 'UnsupportedOperationException');
  failsWith(await rejection(() => kms.send(new GenerateDataKeyPairCommand({ KeyId: key.Arn, KeyPairSpec: 'RSA_1024' }))), 'ValidationException');
  failsWith(await rejection(() => kms.send(new GenerateDataKeyPairCommand({
    KeyId: key.Arn, KeyPairSpec: 'ECC_NIST_P256', Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: Buffer.from('not an attestation') },
  }))), 'UnsupportedOperationException');
  failsWith(await rejection(() => kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key.Arn, KeyPairSpec: 'ECC_NIST_P256', DryRun: true }))),
    'DryRunOperationException');
});

test('KEY_AGREEMENT keys: DescribeKey and GetPublicKey name ECDH, and DeriveSharedSecret gives the secret Node derives from the peer side', async () => {
  for (const [spec, curve] of [['ECC_NIST_P256', 'prime256v1'], ['ECC_NIST_P384', 'secp384r1'], ['ECC_NIST_P521', 'secp521r1']]) {
    const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'KEY_AGREEMENT' }));
    assert.equal(key.KeyUsage, 'KEY_AGREEMENT');
    assert.deepEqual(key.KeyAgreementAlgorithms, ['ECDH']);
    assert.equal(key.SigningAlgorithms, undefined);
    const { KeyMetadata: described } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    assert.deepEqual(described.KeyAgreementAlgorithms, ['ECDH']);
    const published = await kms.send(new GetPublicKeyCommand({ KeyId: key.Arn }));
    assert.equal(published.KeyUsage, 'KEY_AGREEMENT');
    assert.deepEqual(published.KeyAgreementAlgorithms, ['ECDH']);
    const kmsPublicKey = crypto.createPublicKey({ key: Buffer.from(published.PublicKey), format: 'der', type: 'spki' });
    assert.equal(kmsPublicKey.asymmetricKeyDetails.namedCurve, curve);

    // The peer: a key pair made by Node, through crypto.createECDH.
    const ecdh = crypto.createECDH(curve);
    ecdh.generateKeys();
    const jwk = kmsPublicKey.export({ format: 'jwk' });
    const kmsPoint = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    const peerPrivate = crypto.createPrivateKey({
      key: { kty: 'EC', crv: jwk.crv, ...pointOf(ecdh.getPublicKey(), ecdh.getPrivateKey()) }, format: 'jwk',
    });
    const peerPublicDer = crypto.createPublicKey(peerPrivate).export({ type: 'spki', format: 'der' });

    const derived = await kms.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerPublicDer }));
    assert.equal(derived.KeyId, key.Arn);
    assert.equal(derived.KeyAgreementAlgorithm, 'ECDH');
    assert.equal(derived.KeyOrigin, 'AWS_KMS');
    const secret = Buffer.from(derived.SharedSecret);
    assert.deepEqual(secret, ecdh.computeSecret(kmsPoint), `${spec}: the secret createECDH computes`);
    assert.deepEqual(secret, crypto.diffieHellman({ privateKey: peerPrivate, publicKey: kmsPublicKey }), `${spec}: the secret crypto.diffieHellman computes`);
  }
});

test('DeriveSharedSecret refuses a peer key on another curve, keys not for key agreement, Recipient and DryRun', async () => {
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }));
  const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
  const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
  failsWith(await rejection(() => kms.send(new DeriveSharedSecretCommand({ KeyId: key.Arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: p384 }))), 'ValidationException');
  failsWith(await rejection(() => kms.send(new DeriveSharedSecretCommand({ KeyId: key.Arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: Buffer.from('junk') }))), 'ValidationException');
  failsWith(await rejection(() => kms.send(new DeriveSharedSecretCommand({
    KeyId: key.Arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: p256, Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: Buffer.from('x') },
  }))), 'ValidationException');
  failsWith(await rejection(() => kms.send(new DeriveSharedSecretCommand({ KeyId: key.Arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: p256, DryRun: true }))),
    'DryRunOperationException');
  const { KeyMetadata: symmetric } = await kms.send(new CreateKeyCommand({}));
  failsWith(await rejection(() => kms.send(new DeriveSharedSecretCommand({ KeyId: symmetric.Arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: p256 }))),
    'InvalidKeyUsageException');
  failsWith(await rejection(() => kms.send(new GenerateDataKeyPairCommand({ KeyId: key.Arn, KeyPairSpec: 'ECC_NIST_P256' }))), 'InvalidKeyUsageException');
  failsWith(await rejection(() => kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' }))), 'ValidationException');
});

/** A peer's JWK members from createECDH's uncompressed point (04 || x || y) and private scalar, base64url, each as long as the curve's field. */
function pointOf(point, scalar) {
  const size = (point.length - 1) / 2;
  const d = Buffer.concat([Buffer.alloc(size - scalar.length), scalar]);
  return { x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url'), d: d.toString('base64url') };
}
