// The audit trail through @aws-sdk/client-cloudtrail: LookupEvents filters, time range and paging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KMSClient, CreateKeyCommand, EncryptCommand, DecryptCommand } from '@aws-sdk/client-kms';
import { CloudTrailClient, LookupEventsCommand, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { clientConfig, rejection, accountId } from './support.mjs';

const kms = new KMSClient(clientConfig());
const cloudtrail = new CloudTrailClient(clientConfig());

test('LookupEvents finds KMS calls by attribute and time, most recent first, across pages', async () => {
  const started = new Date(Date.now() - 1000);
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({}));
  const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: new Uint8Array([1, 2, 3]), EncryptionContext: { case: 'cloudtrail' } }));
  for (let i = 0; i < 3; i++) {
    await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { case: 'cloudtrail' } }));
  }

  const byKey = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: key.Arn }] }));
  assert.deepEqual(byKey.Events.map((e) => e.EventName), ['Decrypt', 'Decrypt', 'Decrypt', 'Encrypt', 'CreateKey']);
  for (const event of byKey.Events) {
    assert.ok(event.EventTime instanceof Date && event.EventTime >= new Date(started.getTime() - 1000), 'EventTime is a timestamp');
    assert.equal(event.EventSource, 'kms.amazonaws.com');
    assert.deepEqual(event.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: key.Arn }]);
    const record = JSON.parse(event.CloudTrailEvent);
    assert.equal(record.eventID, event.EventId);
    assert.equal(record.recipientAccountId, accountId);
    assert.equal(record.userIdentity.type, 'IAMUser');
  }
  assert.equal(byKey.Events[0].ReadOnly, 'true');
  assert.equal(byKey.Events[4].ReadOnly, 'false');

  const pages = [];
  for await (const page of paginateLookupEvents({ client: cloudtrail, pageSize: 2 }, { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Decrypt' }] })) {
    pages.push(page.Events.length);
  }
  assert.deepEqual(pages, [2, 1]);

  const future = await cloudtrail.send(new LookupEventsCommand({ StartTime: new Date(Date.now() + 3600_000), EndTime: new Date(Date.now() + 7200_000) }));
  assert.deepEqual(future.Events, []);
  const inRange = await cloudtrail.send(new LookupEventsCommand({ StartTime: started, EndTime: new Date(Date.now() + 60_000), MaxResults: 50 }));
  assert.ok(inRange.Events.length >= 5);

  const tooMany = await rejection(() => cloudtrail.send(new LookupEventsCommand({ MaxResults: 51 })));
  assert.equal(tooMany.name, 'InvalidMaxResultsException');
  const badKey = await rejection(() => cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Colour', AttributeValue: 'x' }] })));
  assert.equal(badKey.name, 'InvalidLookupAttributesException');
});
