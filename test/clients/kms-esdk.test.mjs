// The AWS Encryption SDK for JavaScript, the strictest client for KMS response shapes, with a KMS keyring on a Tracevault key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KmsKeyringNode, buildClient, CommitmentPolicy, getClient, KMS } from '@aws-crypto/client-node';
import { KMSClient, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { clientConfig, endpoint, region, adminCredentials } from './support.mjs';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const clientProvider = getClient(KMS, { endpoint, region, credentials: adminCredentials, maxAttempts: 1 });

test('a message is encrypted and decrypted through Tracevault KMS with a KMS keyring', async () => {
  const kms = new KMSClient(clientConfig());
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({ Description: 'esdk' }));
  const { KeyMetadata: second } = await kms.send(new CreateKeyCommand({ Description: 'esdk second' }));
  const alias = `alias/esdk-${key.KeyId.slice(0, 8)}`;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));

  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId: key.Arn, keyIds: [second.Arn] });
  const message = 'trace segments, sealed by the Encryption SDK '.repeat(100);
  const context = { purpose: 'tracevault acceptance', stage: 'test' };
  const { result } = await encrypt(keyring, message, { encryptionContext: context });
  assert.ok(!Buffer.from(result).includes(Buffer.from('trace segments')), 'the message is encrypted');

  const { plaintext, messageHeader } = await decrypt(keyring, result);
  assert.equal(plaintext.toString(), message);
  assert.equal(messageHeader.encryptionContext.purpose, 'tracevault acceptance');
  assert.equal(messageHeader.encryptedDataKeys.length, 2, 'one data key per KMS key');
  assert.deepEqual(messageHeader.encryptedDataKeys.map((k) => k.providerInfo).sort(), [key.Arn, second.Arn].sort());

  // Decrypting with only the second key in the keyring also works: each wrapped data key is independent.
  const secondOnly = new KmsKeyringNode({ clientProvider, keyIds: [second.Arn] });
  assert.equal((await decrypt(secondOnly, result)).plaintext.toString(), message);

  // An alias as generator works too: the keyring checks the answers name a key ARN.
  const byAlias = new KmsKeyringNode({ clientProvider, generatorKeyId: alias });
  const { result: aliasResult } = await encrypt(byAlias, 'via alias', { encryptionContext: context });
  const discovery = new KmsKeyringNode({ clientProvider, discovery: true });
  assert.equal((await decrypt(discovery, aliasResult)).plaintext.toString(), 'via alias');
});
