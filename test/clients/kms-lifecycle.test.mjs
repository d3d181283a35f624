// A KMS key's whole life with the real AWS SDK for JavaScript v3 (@aws-sdk/client-kms).
// PHASE=live runs everything up to a scheduled deletion and writes what it made to STATE_FILE;
// PHASE=deleted runs after the .NET test moved the server clock past the deletion window (CLOCK_OFFSET_MS keeps SigV4 in step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  KMSClient, CreateKeyCommand, CreateAliasCommand, DescribeKeyCommand, EncryptCommand, DecryptCommand,
  GenerateDataKeyCommand, GenerateDataKeyWithoutPlaintextCommand, RotateKeyOnDemandCommand, ListKeyRotationsCommand,
  DisableKeyCommand, EnableKeyCommand, ScheduleKeyDeletionCommand, CancelKeyDeletionCommand, ListAliasesCommand,
  GetKeyRotationStatusCommand, EnableKeyRotationCommand, ReEncryptCommand, GenerateRandomCommand, ListKeysCommand,
  GetPublicKeyCommand, TagResourceCommand, ListResourceTagsCommand, UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { createPublicKey } from 'node:crypto';
import { clientConfig, rejection, accountId, region } from './support.mjs';

const phase = process.env.PHASE ?? 'live';
const stateFile = process.env.STATE_FILE;
const kms = new KMSClient(clientConfig({ systemClockOffset: Number(process.env.CLOCK_OFFSET_MS ?? 0) }));
const text = (s) => new TextEncoder().encode(s);
const keyArnPattern = new RegExp(`^arn:aws:kms:${region}:${accountId}:key/[0-9a-f-]{36}$`);

function assertError(error, name, message) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
  if (message !== undefined) {
    assert.equal(error.message, message);
  }
}

if (phase === 'live') {
  test('a key lives: create, alias, describe, encrypt, rotate, disable, enable, schedule and cancel deletion', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'lifecycle', Tags: [{ TagKey: 'team', TagValue: 'traces' }] }));
    const meta = created.KeyMetadata;
    assert.match(meta.KeyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(meta.Arn, keyArnPattern);
    assert.equal(meta.AWSAccountId, accountId);
    assert.ok(meta.CreationDate instanceof Date && Math.abs(meta.CreationDate - Date.now()) < 10 * 60 * 1000, 'CreationDate is an epoch timestamp near now');
    assert.deepEqual([meta.Enabled, meta.KeyState, meta.KeySpec, meta.KeyUsage, meta.KeyManager, meta.Origin, meta.Description],
      [true, 'Enabled', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'CUSTOMER', 'AWS_KMS', 'lifecycle']);
    assert.deepEqual(meta.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(meta.DeletionDate, undefined, 'absent optionals are omitted');

    const alias = `alias/lifecycle-${meta.KeyId.slice(0, 8)}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: meta.KeyId }));
    assertError(await rejection(() => kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: meta.KeyId }))), 'AlreadyExistsException');
    assertError(await rejection(() => kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: meta.KeyId }))), 'NotAuthorizedException');
    assertError(await rejection(() => kms.send(new CreateAliasCommand({ AliasName: 'nope', TargetKeyId: meta.KeyId }))), 'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    const aliasArn = `arn:aws:kms:${region}:${accountId}:${alias}`;
    for (const id of [meta.KeyId, meta.Arn, alias, aliasArn]) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: id }));
      assert.equal(described.KeyMetadata.KeyId, meta.KeyId, `DescribeKey by ${id}`);
      assert.equal(described.KeyMetadata.Arn, meta.Arn);
    }
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: meta.KeyId }));
    assert.deepEqual(aliases.Aliases.map((a) => [a.AliasName, a.AliasArn, a.TargetKeyId]), [[alias, aliasArn, meta.KeyId]]);
    assert.equal(aliases.Truncated, false);
    assert.equal(aliases.NextMarker, undefined);
    const keys = await kms.send(new ListKeysCommand({}));
    assert.ok(keys.Keys.some((k) => k.KeyId === meta.KeyId && k.KeyArn === meta.Arn));

    assertError(await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' }))), 'NotFoundException', "Invalid keyId 'fake-key-id'");
    const missing = '11111111-2222-4333-8444-555555555555';
    assertError(await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: missing }))), 'NotFoundException',
      `Key 'arn:aws:kms:${region}:${accountId}:key/${missing}' does not exist`);
    assertError(await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/none-such' }))), 'NotFoundException',
      `Alias arn:aws:kms:${region}:${accountId}:alias/none-such is not found.`);

    // Encrypt and decrypt, with and without context; the answers name the key ARN.
    const plain = await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('no context') }));
    assert.equal(plain.KeyId, meta.Arn);
    assert.equal(plain.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const decryptedPlain = await kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(decryptedPlain.Plaintext), 'no context');
    assert.equal(decryptedPlain.KeyId, meta.Arn);

    const context = { tenant: 'acme', 'aws:xray:arn': `arn:aws:xray:${region}:${accountId}:group/Default` };
    const withContext = await kms.send(new EncryptCommand({ KeyId: meta.Arn, Plaintext: text('with context'), EncryptionContext: context }));
    const reordered = Object.fromEntries(Object.entries(context).reverse());
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: withContext.CiphertextBlob, EncryptionContext: reordered, KeyId: alias }));
    assert.equal(new TextDecoder().decode(decrypted.Plaintext), 'with context');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: withContext.CiphertextBlob }))), 'InvalidCiphertextException');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: withContext.CiphertextBlob, EncryptionContext: { ...context, tenant: 'Acme' } }))),
      'InvalidCiphertextException');
    const tampered = Uint8Array.from(withContext.CiphertextBlob);
    tampered[tampered.length - 1] ^= 1;
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context }))), 'InvalidCiphertextException');
    const other = await kms.send(new CreateKeyCommand({}));
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: withContext.CiphertextBlob, EncryptionContext: context, KeyId: other.KeyMetadata.KeyId }))),
      'IncorrectKeyException');
    const unknownKeyBlob = Uint8Array.from(plain.CiphertextBlob);
    unknownKeyBlob.set(new Uint8Array(16).fill(7), 1);
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: unknownKeyBlob }))), 'AccessDeniedException',
      'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.');
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: alias, Plaintext: new Uint8Array(4097) }))), 'ValidationException');

    const reEncrypted = await kms.send(new ReEncryptCommand({
      CiphertextBlob: withContext.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: other.KeyMetadata.Arn,
    }));
    assert.equal(reEncrypted.SourceKeyId, meta.Arn);
    assert.equal(reEncrypted.KeyId, other.KeyMetadata.Arn);
    assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob }))).Plaintext), 'with context');

    // Data keys.
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: alias, KeySpec: 'AES_256', EncryptionContext: context }));
    assert.equal(dataKey.Plaintext.length, 32);
    assert.equal(dataKey.KeyId, meta.Arn);
    const unwrapped = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }));
    assert.deepEqual(Buffer.from(unwrapped.Plaintext), Buffer.from(dataKey.Plaintext));
    const noPlain = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: meta.KeyId, NumberOfBytes: 64 }));
    assert.equal(noPlain.Plaintext, undefined);
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: noPlain.CiphertextBlob }))).Plaintext.length, 64);
    assertError(await rejection(() => kms.send(new GenerateDataKeyCommand({ KeyId: alias }))), 'ValidationException');
    assertError(await rejection(() => kms.send(new GenerateDataKeyCommand({ KeyId: alias, KeySpec: 'AES_128', NumberOfBytes: 16 }))), 'ValidationException');
    assert.equal((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 24 }))).Plaintext.length, 24);
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('x'), DryRun: true }))), 'DryRunOperationException');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob, DryRun: true }))), 'DryRunOperationException');

    // On-demand rotation: new ciphertext uses the new version, old ciphertext still decrypts; at most 10.
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: meta.KeyId }));
    const afterRotation = await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('after rotation') }));
    assert.notDeepEqual(Buffer.from(afterRotation.CiphertextBlob.slice(17, 21)), Buffer.from(plain.CiphertextBlob.slice(17, 21)), 'the header names the new version');
    assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }))).Plaintext), 'no context');
    assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: afterRotation.CiphertextBlob }))).Plaintext), 'after rotation');
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: meta.KeyId }));
    assert.equal(rotations.Rotations.length, 1);
    assert.equal(rotations.Rotations[0].RotationType, 'ON_DEMAND');
    assert.ok(rotations.Rotations[0].RotationDate instanceof Date);
    assert.equal(rotations.Truncated, false);
    for (let i = 1; i < 10; i++) {
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: meta.KeyId }));
    }
    assertError(await rejection(() => kms.send(new RotateKeyOnDemandCommand({ KeyId: meta.KeyId }))), 'LimitExceededException',
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${meta.Arn}`);
    assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }))).Plaintext), 'no context');

    // Automatic rotation settings.
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: meta.KeyId }))).KeyRotationEnabled, false);
    await kms.send(new EnableKeyRotationCommand({ KeyId: meta.KeyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: meta.Arn }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    assert.ok(status.NextRotationDate instanceof Date);

    // Tags and description.
    await kms.send(new TagResourceCommand({ KeyId: meta.KeyId, Tags: [{ TagKey: 'env', TagValue: 'test' }] }));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: meta.KeyId }))).Tags.map((t) => t.TagKey).sort(), ['env', 'team']);
    assertError(await rejection(() => kms.send(new TagResourceCommand({ KeyId: meta.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] }))), 'TagException',
      'Tags beginning with aws: are reserved');
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: meta.KeyId, Description: 'renamed' }));

    // Disable, enable.
    await kms.send(new DisableKeyCommand({ KeyId: meta.KeyId }));
    const disabled = (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
    assert.deepEqual([disabled.Enabled, disabled.KeyState, disabled.Description], [false, 'Disabled', 'renamed']);
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('x') }))), 'DisabledException', `${meta.Arn} is disabled.`);
    assertError(await rejection(() => kms.send(new GenerateDataKeyCommand({ KeyId: alias, KeySpec: 'AES_256', DryRun: true }))), 'DisabledException');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }))), 'DisabledException', `${meta.Arn} is disabled.`);
    await kms.send(new EnableKeyCommand({ KeyId: meta.KeyId }));
    await kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('x') }));

    // Schedule deletion, cancel (the key comes back Disabled), schedule again for the next phase.
    assertError(await rejection(() => kms.send(new ScheduleKeyDeletionCommand({ KeyId: meta.KeyId, PendingWindowInDays: 6 }))), 'ValidationException');
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: meta.KeyId }));
    assert.equal(scheduled.KeyId, meta.Arn);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 30);
    assert.ok(Math.abs(scheduled.DeletionDate - Date.now() - 30 * 86400000) < 10 * 60 * 1000, 'deletion in 30 days');
    const pending = (await kms.send(new DescribeKeyCommand({ KeyId: meta.KeyId }))).KeyMetadata;
    assert.equal(pending.KeyState, 'PendingDeletion');
    assert.equal(pending.PendingDeletionWindowInDays, 30);
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('x') }))), 'KMSInvalidStateException', `${meta.Arn} is pending deletion.`);
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }))), 'KMSInvalidStateException');
    assertError(await rejection(() => kms.send(new EnableKeyCommand({ KeyId: meta.KeyId }))), 'KMSInvalidStateException');
    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId: meta.KeyId }));
    assert.equal(cancelled.KeyId, meta.Arn);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: meta.KeyId }))).KeyMetadata.KeyState, 'Disabled');
    assertError(await rejection(() => kms.send(new CancelKeyDeletionCommand({ KeyId: meta.KeyId }))), 'KMSInvalidStateException', `${meta.Arn} is not pending deletion.`);
    assertError(await rejection(() => kms.send(new EncryptCommand({ KeyId: alias, Plaintext: text('x') }))), 'DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: meta.KeyId }));
    assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob }))).Plaintext), 'no context');

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: meta.KeyId, PendingWindowInDays: 7 }));
    writeFileSync(stateFile, JSON.stringify({
      keyId: meta.KeyId,
      keyArn: meta.Arn,
      alias,
      ciphertext: Buffer.from(withContext.CiphertextBlob).toString('base64'),
      context,
      dataKeyBlob: Buffer.from(dataKey.CiphertextBlob).toString('base64'),
      otherKeyId: other.KeyMetadata.KeyId,
    }));
  });

  test('asymmetric keys are created, described and give their public key, but do not encrypt', async () => {
    for (const [spec, usage, type] of [['RSA_2048', 'ENCRYPT_DECRYPT', 'rsa'], ['ECC_NIST_P256', 'SIGN_VERIFY', 'ec']]) {
      const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage }));
      assert.equal(created.KeyMetadata.KeySpec, spec);
      assert.equal(created.KeyMetadata.CustomerMasterKeySpec, spec);
      const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: created.KeyMetadata.KeyId }));
      assert.equal(publicKey.KeyId, created.KeyMetadata.Arn);
      assert.equal(createPublicKey({ key: Buffer.from(publicKey.PublicKey), format: 'der', type: 'spki' }).asymmetricKeyType, type);
      const refused = await rejection(() => kms.send(new EncryptCommand({ KeyId: created.KeyMetadata.KeyId, Plaintext: text('x') })));
      assert.ok(['UnsupportedOperationException', 'InvalidKeyUsageException'].includes(refused.name), refused.name);
    }
    // A symmetric key has no public key, also when read back from the store (its metadata is kept as JSON there).
    const symmetric = await kms.send(new CreateKeyCommand({}));
    const noPublicKey = await rejection(() => kms.send(new GetPublicKeyCommand({ KeyId: symmetric.KeyMetadata.KeyId })));
    assert.equal(noPublicKey.name, 'UnsupportedOperationException', noPublicKey.message);
    assertError(await rejection(() => kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' }))), 'ValidationException',
      'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  });
} else {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));

  test('after the deletion window the key is gone and so is everything under it', async () => {
    assertError(await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: state.keyId }))), 'NotFoundException',
      `Key '${state.keyArn}' does not exist`);
    const ciphertext = Buffer.from(state.ciphertext, 'base64');
    const gone = await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: state.context })));
    assertError(gone, 'AccessDeniedException',
      'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.');
    assertError(await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(state.dataKeyBlob, 'base64'), EncryptionContext: state.context }))),
      'AccessDeniedException');
    assertError(await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: state.alias }))), 'NotFoundException');
    const keys = await kms.send(new ListKeysCommand({}));
    assert.ok(!keys.Keys.some((k) => k.KeyId === state.keyId), 'the deleted key is not listed');
    assert.ok(keys.Keys.some((k) => k.KeyId === state.otherKeyId), 'other keys are untouched');
  });
}
