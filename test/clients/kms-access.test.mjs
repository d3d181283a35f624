// Access to keys: grants limited to operations and context, and another account's users by key ARN through the key policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KMSClient, CreateKeyCommand, CreateGrantCommand, ListGrantsCommand, RevokeGrantCommand, RetireGrantCommand, EncryptCommand,
  DecryptCommand, GenerateDataKeyCommand, DescribeKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand, DisableKeyCommand,
} from '@aws-sdk/client-kms';
import { clientConfig, credentialsFromEnv, rejection, accountId } from './support.mjs';

const admin = new KMSClient(clientConfig());
const text = (s) => new TextEncoder().encode(s);
const denied = (error, action) => {
  assert.equal(error.name, 'AccessDeniedException', `expected AccessDeniedException, got ${error.name}: ${error.message}`);
  if (action) {
    assert.match(error.message, new RegExp(`is not authorized to perform: kms:${action} on resource: arn:aws:kms:`));
  }
};

test('a grant allows its grantee only the granted operations, only with the granted context, until revoked', async () => {
  const granteeArn = process.env.GRANTEE_ARN;
  const grantee = new KMSClient(clientConfig({ credentials: credentialsFromEnv('GRANTEE') }));
  const { KeyMetadata: key } = await admin.send(new CreateKeyCommand({}));

  denied(await rejection(() => grantee.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: text('x') }))), 'Encrypt');
  const { GrantId, GrantToken } = await admin.send(new CreateGrantCommand({
    KeyId: key.KeyId, GranteePrincipal: granteeArn, Operations: ['Encrypt', 'Decrypt'],
    Constraints: { EncryptionContextSubset: { project: 'tracevault' } }, Name: 'reader',
  }));
  assert.match(GrantId, /^[0-9a-f]{64}$/);
  assert.ok(GrantToken.length > 0);
  const again = await admin.send(new CreateGrantCommand({
    KeyId: key.KeyId, GranteePrincipal: granteeArn, Operations: ['Encrypt', 'Decrypt'],
    Constraints: { EncryptionContextSubset: { project: 'tracevault' } }, Name: 'reader',
  }));
  assert.equal(again.GrantId, GrantId, 'a named grant is created once');

  const grants = await admin.send(new ListGrantsCommand({ KeyId: key.KeyId }));
  assert.equal(grants.Grants.length, 1);
  assert.equal(grants.Grants[0].GranteePrincipal, granteeArn);
  assert.equal(grants.Grants[0].KeyId, key.Arn);
  assert.equal(grants.Grants[0].IssuingAccount, `arn:aws:iam::${accountId}:root`);
  assert.deepEqual(grants.Grants[0].Constraints, { EncryptionContextSubset: { project: 'tracevault' } });
  assert.equal(grants.Truncated, false);

  const context = { project: 'tracevault', trace: '1-5f84c7a3-0123456789abcdef01234567' };
  const sealed = await grantee.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: text('granted'), EncryptionContext: context }));
  assert.equal(new TextDecoder().decode((await grantee.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }))).Plaintext), 'granted');
  denied(await rejection(() => grantee.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: text('x'), EncryptionContext: { project: 'other' } }))), 'Encrypt');
  denied(await rejection(() => grantee.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: text('x') }))), 'Encrypt');
  denied(await rejection(() => grantee.send(new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: context }))), 'GenerateDataKey');
  denied(await rejection(() => grantee.send(new DescribeKeyCommand({ KeyId: key.Arn }))), 'DescribeKey');
  denied(await rejection(() => grantee.send(new DisableKeyCommand({ KeyId: key.Arn }))), 'DisableKey');

  await admin.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId }));
  denied(await rejection(() => grantee.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: text('x'), EncryptionContext: context }))), 'Encrypt');
  assert.equal((await admin.send(new ListGrantsCommand({ KeyId: key.KeyId }))).Grants.length, 0);

  // A grant can be retired with its token by the retiring principal.
  const retirable = await admin.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: granteeArn, RetiringPrincipal: granteeArn, Operations: ['GenerateDataKey'] }));
  assert.equal((await grantee.send(new GenerateDataKeyCommand({ KeyId: key.Arn, NumberOfBytes: 32 }))).Plaintext.length, 32);
  await grantee.send(new RetireGrantCommand({ GrantToken: retirable.GrantToken }));
  denied(await rejection(() => grantee.send(new GenerateDataKeyCommand({ KeyId: key.Arn, NumberOfBytes: 32 }))), 'GenerateDataKey');
});

test('another account uses a key by ARN when the key policy names it, and not otherwise', async () => {
  const otherAccount = process.env.OTHER_ACCOUNT;
  const other = new KMSClient(clientConfig({ credentials: credentialsFromEnv('OTHER') }));
  const { KeyMetadata: shared } = await admin.send(new CreateKeyCommand({
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${otherAccount}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
      ],
    }),
  }));
  const { KeyMetadata: privateKey } = await admin.send(new CreateKeyCommand({}));

  const sealed = await other.send(new EncryptCommand({ KeyId: shared.Arn, Plaintext: text('cross-account') }));
  assert.equal(sealed.KeyId, shared.Arn);
  assert.equal(new TextDecoder().decode((await other.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'cross-account');
  assert.equal((await other.send(new DescribeKeyCommand({ KeyId: shared.Arn }))).KeyMetadata.AWSAccountId, accountId);
  // By bare key id the other account looks in its own account.
  const byId = await rejection(() => other.send(new DescribeKeyCommand({ KeyId: shared.KeyId })));
  assert.equal(byId.name, 'NotFoundException');
  assert.match(byId.message, new RegExp(`Key 'arn:aws:kms:[a-z0-9-]+:${otherAccount}:key/${shared.KeyId}' does not exist`));
  // Operations the policy does not name, and keys whose policy does not name the account, are refused.
  denied(await rejection(() => other.send(new GenerateDataKeyCommand({ KeyId: shared.Arn, KeySpec: 'AES_256' }))), 'GenerateDataKey');
  denied(await rejection(() => other.send(new EncryptCommand({ KeyId: privateKey.Arn, Plaintext: text('x') }))), 'Encrypt');
  // The other account's user whose own IAM policy allows nothing is refused even where the key policy names its account.
  const bare = new KMSClient(clientConfig({ credentials: credentialsFromEnv('OTHERBARE') }));
  denied(await rejection(() => bare.send(new EncryptCommand({ KeyId: shared.Arn, Plaintext: text('x') }))), 'Encrypt');

  // Taking the partner out of the policy takes its access away at once.
  await admin.send(new PutKeyPolicyCommand({ KeyId: shared.KeyId, PolicyName: 'default', Policy: (await admin.send(new GetKeyPolicyCommand({ KeyId: privateKey.KeyId, PolicyName: 'default' }))).Policy }));
  denied(await rejection(() => other.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))), 'Decrypt');
});
