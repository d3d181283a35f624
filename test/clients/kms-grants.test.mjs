// Retiring grants, the grants a principal may retire, a key's last use, and the operations Tracevault does not offer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as kms from '@aws-sdk/client-kms';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { clientConfig, credentialsFromEnv, rejection, accountId } from './support.mjs';

const admin = new kms.KMSClient(clientConfig());
const retirerArn = process.env.RETIRER_ARN;
const retirer = new kms.KMSClient(clientConfig({ credentials: credentialsFromEnv('RETIRER') }));
const grantee = new kms.KMSClient(clientConfig({ credentials: credentialsFromEnv('GRANTEE') }));
const granteeArn = process.env.GRANTEE_ARN;
const partner = new kms.KMSClient(clientConfig({ credentials: credentialsFromEnv('OTHER') }));
const named = (error, name) => assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);

test('grants are retired by whom the grant names, and ListRetirableGrants pages a principal\'s grants on keys of any account', async () => {
  const { KeyMetadata: key } = await admin.send(new kms.CreateKeyCommand({}));
  const { KeyMetadata: partnerKey } = await partner.send(new kms.CreateKeyCommand({}));
  const first = await admin.send(new kms.CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: granteeArn, RetiringPrincipal: retirerArn, Operations: ['Encrypt'] }));
  const second = await partner.send(new kms.CreateGrantCommand({ KeyId: partnerKey.KeyId, GranteePrincipal: granteeArn, RetiringPrincipal: retirerArn, Operations: ['Decrypt'] }));
  const granteeMayRetire = await admin.send(new kms.CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: granteeArn, Operations: ['Decrypt', 'RetireGrant'] }));

  // Listed by the caller's IAM policy alone (the retirer has none), one page at a time, oldest first.
  named(await rejection(() => retirer.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: retirerArn }))), 'AccessDeniedException');
  const page1 = await admin.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: retirerArn, Limit: 1 }));
  assert.equal(page1.Truncated, true);
  const page2 = await admin.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: retirerArn, Limit: 1, Marker: page1.NextMarker }));
  assert.equal(page2.Truncated, false);
  const listed = [...page1.Grants, ...page2.Grants];
  assert.deepEqual(listed.map((g) => g.GrantId), [first.GrantId, second.GrantId]);
  assert.equal(listed[1].KeyId, partnerKey.Arn);
  assert.equal(listed[0].RetiringPrincipal, retirerArn);
  assert.equal(listed[0].IssuingAccount, `arn:aws:iam::${accountId}:root`);
  named(await rejection(() => admin.send(new kms.ListRetirableGrantsCommand({}))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: 'retirer' }))), 'InvalidArnException');
  named(await rejection(() => admin.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: retirerArn, Marker: 'nope' }))), 'InvalidMarkerException');

  // The grantee may retire the grant that allows it RetireGrant, not another one; the retiring principal retires with the token
  // on another account's key, with no policy of its own.
  named(await rejection(() => grantee.send(new kms.RetireGrantCommand({ GrantToken: first.GrantToken }))), 'AccessDeniedException');
  await grantee.send(new kms.RetireGrantCommand({ KeyId: key.Arn, GrantId: granteeMayRetire.GrantId }));
  await retirer.send(new kms.RetireGrantCommand({ GrantToken: second.GrantToken }));
  await retirer.send(new kms.RetireGrantCommand({ KeyId: key.Arn, GrantId: first.GrantId }));
  assert.deepEqual((await admin.send(new kms.ListGrantsCommand({ KeyId: key.KeyId }))).Grants, []);
  assert.deepEqual((await admin.send(new kms.ListRetirableGrantsCommand({ RetiringPrincipal: retirerArn }))).Grants, []);
  named(await rejection(() => admin.send(new kms.RetireGrantCommand({ KeyId: key.KeyId, GrantId: 'not-a-grant-id' }))), 'InvalidGrantIdException');
  named(await rejection(() => admin.send(new kms.RetireGrantCommand({ KeyId: key.KeyId, GrantId: first.GrantId }))), 'NotFoundException');
  named(await rejection(() => admin.send(new kms.RetireGrantCommand({ GrantToken: 'bm90IGEgdG9rZW4=' }))), 'InvalidGrantTokenException');
});

test('GetKeyLastUsage names the last successful cryptographic use, its request and its CloudTrail event', async () => {
  const { KeyMetadata: key } = await admin.send(new kms.CreateKeyCommand({}));
  const unused = await admin.send(new kms.GetKeyLastUsageCommand({ KeyId: key.Arn }));
  assert.equal(unused.KeyId, key.KeyId);
  assert.equal(unused.KeyLastUsage, undefined);
  assert.equal(unused.TrackingStartDate.getTime(), key.CreationDate.getTime());
  assert.equal(unused.KeyCreationDate.getTime(), key.CreationDate.getTime());

  const sealed = await admin.send(new kms.EncryptCommand({ KeyId: key.KeyId, Plaintext: new Uint8Array([1, 2, 3]) }));
  const decrypted = await admin.send(new kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
  await admin.send(new kms.DescribeKeyCommand({ KeyId: key.KeyId }));
  await admin.send(new kms.DisableKeyCommand({ KeyId: key.KeyId }));
  named(await rejection(() => admin.send(new kms.EncryptCommand({ KeyId: key.KeyId, Plaintext: new Uint8Array([1]) }))), 'DisabledException');

  const used = await admin.send(new kms.GetKeyLastUsageCommand({ KeyId: key.KeyId }));
  assert.equal(used.KeyLastUsage.Operation, 'Decrypt');
  assert.equal(used.KeyLastUsage.KmsRequestId, decrypted.$metadata.requestId);
  assert.ok(used.KeyLastUsage.Timestamp instanceof Date);
  const trail = new CloudTrailClient(clientConfig());
  const events = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: used.KeyLastUsage.CloudTrailEventId }] }));
  assert.equal(events.Events.length, 1);
  assert.equal(events.Events[0].EventName, 'Decrypt');
  assert.equal(JSON.parse(events.Events[0].CloudTrailEvent).requestID, decrypted.$metadata.requestId);

  named(await rejection(() => grantee.send(new kms.GetKeyLastUsageCommand({ KeyId: key.Arn }))), 'AccessDeniedException');
  named(await rejection(() => admin.send(new kms.GetKeyLastUsageCommand({ KeyId: 'alias/anything' }))), 'NotFoundException');
});

test('custom key stores and multi-Region keys answer UnsupportedOperationException, after their members are validated', async () => {
  const { KeyMetadata: key } = await admin.send(new kms.CreateKeyCommand({}));
  const storeId = 'cks-1234567890abcdef0';
  const calls = [
    new kms.CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'hsm', CloudHsmClusterId: 'cluster-1234567890a', KeyStorePassword: 'secret-password' }),
    new kms.ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }),
    new kms.DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }),
    new kms.UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeId, NewCustomKeyStoreName: 'renamed' }),
    new kms.DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeId }),
    new kms.DescribeCustomKeyStoresCommand({}),
  ];
  for (const command of calls) {
    const error = await rejection(() => admin.send(command));
    named(error, 'UnsupportedOperationException');
    assert.match(error.message, /Tracevault does not offer custom key stores/);
  }
  for (const command of [new kms.ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: 'us-west-2' }), new kms.UpdatePrimaryRegionCommand({ KeyId: key.Arn, PrimaryRegion: 'us-west-2' })]) {
    const error = await rejection(() => admin.send(command));
    named(error, 'UnsupportedOperationException');
    assert.match(error.message, /is not a multi-Region key: Tracevault is one service in one Region/);
  }

  // Members the operation requires are checked first, as every other operation does.
  named(await rejection(() => admin.send(new kms.CreateCustomKeyStoreCommand({}))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.ConnectCustomKeyStoreCommand({}))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.DescribeCustomKeyStoresCommand({ Limit: 0 }))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.ReplicateKeyCommand({ KeyId: key.KeyId }))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.UpdatePrimaryRegionCommand({ KeyId: key.KeyId, PrimaryRegion: 'Mars' }))), 'ValidationException');
  named(await rejection(() => admin.send(new kms.ReplicateKeyCommand({ KeyId: '0a000000-0000-4000-8000-000000000000', ReplicaRegion: 'us-west-2' }))), 'NotFoundException');
  // Authorized before refused: a user without the permission is denied, not told what is unsupported.
  named(await rejection(() => retirer.send(new kms.CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'hsm' }))), 'AccessDeniedException');
  named(await rejection(() => retirer.send(new kms.ReplicateKeyCommand({ KeyId: key.Arn, ReplicaRegion: 'us-west-2' }))), 'AccessDeniedException');
});
