// X-Ray tagging with the real AWS SDK for JavaScript v3: TagResource, UntagResource and ListTagsForResource on groups and
// sampling rules by ARN, AWS's limits and errors, and IAM's aws:ResourceTag/aws:RequestTag/aws:TagKeys conditions on X-Ray requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  XRayClient, CreateGroupCommand, UpdateGroupCommand, DeleteGroupCommand, GetGroupsCommand,
  CreateSamplingRuleCommand, UpdateSamplingRuleCommand, DeleteSamplingRuleCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection, accountId, region } from './support.mjs';

const xray = new XRayClient(clientConfig());
const teamA = new XRayClient(clientConfig({ credentials: credentialsFromEnv('TEAM_A') }));
const tagger = new XRayClient(clientConfig({ credentials: credentialsFromEnv('TAGGER') }));
const ruleArn = (name) => `arn:aws:xray:${region}:${accountId}:sampling-rule/${name}`;
const tagsOf = async (arn) => (await xray.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;

function rule(name) {
  return {
    RuleName: name, ResourceARN: '*', Priority: 10, FixedRate: 0.5, ReservoirSize: 1, ServiceName: name,
    ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
  };
}

function assertError(error, name, status, pattern) {
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status);
  assert.match(error.message, pattern);
}

const denied = (error, action) => assertError(error, 'AccessDeniedException', 403, new RegExp(`not authorized to perform: xray:${action}`));

test('a group and a sampling rule are tagged, listed and untagged by ARN, their create Tags first', async () => {
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: 'tagged-group', Tags: [{ Key: 'team', Value: 'a' }] }));
  const { SamplingRuleRecord } = await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('tagged-rule'), Tags: [{ Key: 'team', Value: 'a' }] }));
  const rArn = SamplingRuleRecord.SamplingRule.RuleARN;
  assert.equal(rArn, ruleArn('tagged-rule'));

  for (const arn of [Group.GroupARN, rArn]) {
    assert.deepEqual(await tagsOf(arn), [{ Key: 'team', Value: 'a' }]);
    // A key already there gets the new value in its place; new keys follow; values may be empty and hold Unicode.
    await xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'owner', Value: 'Zoë @ ops' }, { Key: 'team', Value: 'b' }, { Key: 'empty', Value: '' }] }));
    assert.deepEqual(await tagsOf(arn), [{ Key: 'team', Value: 'b' }, { Key: 'owner', Value: 'Zoë @ ops' }, { Key: 'empty', Value: '' }]);
    // Removing a key the resource does not have is no error.
    await xray.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['owner', 'never-there'] }));
    assert.deepEqual(await tagsOf(arn), [{ Key: 'team', Value: 'b' }, { Key: 'empty', Value: '' }]);
  }

  // Changing the group or the rule keeps its tags.
  await xray.send(new UpdateGroupCommand({ GroupARN: Group.GroupARN, FilterExpression: 'fault' }));
  await xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleARN: rArn, FixedRate: 0.1 } }));
  assert.deepEqual(await tagsOf(Group.GroupARN), [{ Key: 'team', Value: 'b' }, { Key: 'empty', Value: '' }]);
  assert.deepEqual(await tagsOf(rArn), [{ Key: 'team', Value: 'b' }, { Key: 'empty', Value: '' }]);

  // Deleted, their ARNs name nothing; a rule created again under the same name starts without tags.
  await xray.send(new DeleteGroupCommand({ GroupARN: Group.GroupARN }));
  await xray.send(new DeleteSamplingRuleCommand({ RuleARN: rArn }));
  assertError(await rejection(() => tagsOf(Group.GroupARN)), 'ResourceNotFoundException', 404, /not found/);
  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('tagged-rule') }));
  assert.deepEqual(await tagsOf(rArn), []);
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'tagged-rule' }));
});

test('the Default group and the Default sampling rule can be tagged', async () => {
  const { Groups } = await xray.send(new GetGroupsCommand({}));
  const defaultGroup = Groups[0].GroupARN;
  assert.deepEqual(await tagsOf(defaultGroup), []);
  await xray.send(new TagResourceCommand({ ResourceARN: defaultGroup, Tags: [{ Key: 'scope', Value: 'all' }] }));
  assert.deepEqual(await tagsOf(defaultGroup), [{ Key: 'scope', Value: 'all' }]);
  await xray.send(new UntagResourceCommand({ ResourceARN: defaultGroup, TagKeys: ['scope'] }));
  assert.deepEqual(await tagsOf(defaultGroup), []);

  await xray.send(new TagResourceCommand({ ResourceARN: ruleArn('Default'), Tags: [{ Key: 'scope', Value: 'all' }] }));
  assert.deepEqual(await tagsOf(ruleArn('Default')), [{ Key: 'scope', Value: 'all' }]);
  await xray.send(new UntagResourceCommand({ ResourceARN: ruleArn('Default'), TagKeys: ['scope'] }));
});

test('AWS limits: 50 tags (TooManyTagsException), aws: reserved, lengths and characters (InvalidRequestException)', async () => {
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: 'limits', Tags: Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }));
  const arn = Group.GroupARN;
  await xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k48', Value: 'v' }, { Key: 'k0', Value: 'replaced' }] }));
  await xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k49', Value: 'v' }] }));
  assert.equal((await tagsOf(arn)).length, 50);
  const tooMany = await rejection(() => xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k50', Value: 'v' }] })));
  assertError(tooMany, 'TooManyTagsException', 400, /more than 50 tags/);
  // Replacing values of keys it has is not adding tags.
  await xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k49', Value: 'w' }] }));
  assert.equal((await tagsOf(arn)).length, 50);
  const many = Array.from({ length: 51 }, (_, i) => ({ Key: `n${i}`, Value: 'v' }));
  const rule51 = await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('limits') }));
  assertError(await rejection(() => xray.send(new TagResourceCommand({ ResourceARN: rule51.SamplingRuleRecord.SamplingRule.RuleARN, Tags: many }))),
    'TooManyTagsException', 400, /more than 50 tags/);
  assertError(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('limits-2'), Tags: many }))), 'InvalidRequestException', 400, /at most 50 tags/);

  const invalid = (request, pattern) => rejection(() => xray.send(request)).then((e) => assertError(e, 'InvalidRequestException', 400, pattern));
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'aws:owner', Value: 'x' }] }), /'aws:' is reserved/);
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'AWS:owner', Value: 'x' }] }), /'aws:' is reserved/);
  await invalid(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['aws:cloudformation:stack-name'] }), /system tags cannot be removed/);
  await invalid(new CreateGroupCommand({ GroupName: 'aws-prefix', Tags: [{ Key: 'aws:x', Value: 'y' }] }), /'aws:' is reserved/);
  await invalid(new CreateSamplingRuleCommand({ SamplingRule: rule('aws-prefix'), Tags: [{ Key: 'aws:x', Value: 'y' }] }), /'aws:' is reserved/);
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }), /1 to 128/);
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }), /up to 256/);
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'semi;colon', Value: 'v' }] }), /not valid/);
  // The same character rules on both kinds of resource, at creation too.
  await invalid(new CreateSamplingRuleCommand({ SamplingRule: rule('bad-char'), Tags: [{ Key: 'semi;colon', Value: 'v' }] }), /not valid/);
  await invalid(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'twice', Value: '1' }, { Key: 'twice', Value: '2' }] }), /more than once/);
  await invalid(new ListTagsForResourceCommand({ ResourceARN: arn, NextToken: 'bogus' }), /NextToken is not valid/);
  await invalid(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:s3:::bucket' }), /not the ARN of an X-Ray group .* or sampling rule/);
  assert.equal((await tagsOf(arn)).find((t) => t.Key === 'k0').Value, 'replaced');
  await xray.send(new DeleteGroupCommand({ GroupARN: arn }));
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'limits' }));
});

test('an ARN that names no group or sampling rule of the account answers ResourceNotFoundException', async () => {
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: 'found' }));
  const unknown = [
    `arn:aws:xray:${region}:${accountId}:group/missing/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567`,
    Group.GroupARN.replace(/\/[A-Z2-7]{32}$/, '/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
    Group.GroupARN.replace(`:${accountId}:`, ':999988887777:'),
    Group.GroupARN.replace(`:${region}:`, ':eu-north-1:'),
    ruleArn('missing'),
  ];
  for (const arn of unknown) {
    for (const request of [
      new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'a' }] }),
      new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }),
      new ListTagsForResourceCommand({ ResourceARN: arn }),
    ]) {
      assertError(await rejection(() => xray.send(request)), 'ResourceNotFoundException', 404, /not found/);
    }
  }
  await xray.send(new DeleteGroupCommand({ GroupName: 'found' }));
});

test('aws:ResourceTag: a user may update only groups and rules tagged team=a', async () => {
  const a = (await xray.send(new CreateGroupCommand({ GroupName: 'team-a-tagged', Tags: [{ Key: 'team', Value: 'a' }] }))).Group;
  const b = (await xray.send(new CreateGroupCommand({ GroupName: 'team-b-tagged', Tags: [{ Key: 'team', Value: 'b' }] }))).Group;
  const none = (await xray.send(new CreateGroupCommand({ GroupName: 'untagged' }))).Group;

  const updated = await teamA.send(new UpdateGroupCommand({ GroupARN: a.GroupARN, FilterExpression: 'error' }));
  assert.equal(updated.Group.FilterExpression, 'error');
  for (const group of [b, none]) {
    const error = await rejection(() => teamA.send(new UpdateGroupCommand({ GroupARN: group.GroupARN, FilterExpression: 'error' })));
    denied(error, 'UpdateGroup');
    assert.ok(error.message.includes(group.GroupARN), error.message);
  }
  // By name too: the group's own tags decide, however it is addressed.
  denied(await rejection(() => teamA.send(new UpdateGroupCommand({ GroupName: 'team-b-tagged', FilterExpression: 'error' }))), 'UpdateGroup');
  // Retagged team=a, group b becomes the user's; retagged team=b, group a stops being so.
  await xray.send(new TagResourceCommand({ ResourceARN: b.GroupARN, Tags: [{ Key: 'team', Value: 'a' }] }));
  await xray.send(new TagResourceCommand({ ResourceARN: a.GroupARN, Tags: [{ Key: 'team', Value: 'b' }] }));
  await teamA.send(new UpdateGroupCommand({ GroupARN: b.GroupARN, FilterExpression: 'fault' }));
  denied(await rejection(() => teamA.send(new UpdateGroupCommand({ GroupARN: a.GroupARN, FilterExpression: 'fault' }))), 'UpdateGroup');

  // Sampling rules alike.
  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('rule-a'), Tags: [{ Key: 'team', Value: 'a' }] }));
  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('rule-b'), Tags: [{ Key: 'team', Value: 'b' }] }));
  await teamA.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'rule-a', FixedRate: 0.2 } }));
  denied(await rejection(() => teamA.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'rule-b', FixedRate: 0.2 } }))), 'UpdateSamplingRule');

  for (const group of [a, b, none]) {
    await xray.send(new DeleteGroupCommand({ GroupARN: group.GroupARN }));
  }
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'rule-a' }));
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'rule-b' }));
});

test('aws:RequestTag and aws:TagKeys: a user may tag only with the key team, and create only groups tagged team=a', async () => {
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: 'taggable' }));
  const arn = Group.GroupARN;

  await tagger.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'c' }] }));
  assert.deepEqual(await tagsOf(arn), [{ Key: 'team', Value: 'c' }]);
  denied(await rejection(() => tagger.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'owner', Value: 'x' }] }))), 'TagResource');
  denied(await rejection(() => tagger.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'd' }, { Key: 'owner', Value: 'x' }] }))), 'TagResource');
  await xray.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'owner', Value: 'x' }] }));
  denied(await rejection(() => tagger.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['owner'] }))), 'UntagResource');
  await tagger.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
  assert.deepEqual(await tagsOf(arn), [{ Key: 'owner', Value: 'x' }]);
  // Refused before it learns whether a resource exists.
  denied(await rejection(() => tagger.send(new TagResourceCommand({ ResourceARN: ruleArn('nowhere'), Tags: [{ Key: 'owner', Value: 'x' }] }))), 'TagResource');

  const created = await tagger.send(new CreateGroupCommand({ GroupName: 'created-a', Tags: [{ Key: 'team', Value: 'a' }] }));
  assert.deepEqual(await tagsOf(created.Group.GroupARN), [{ Key: 'team', Value: 'a' }]);
  denied(await rejection(() => tagger.send(new CreateGroupCommand({ GroupName: 'created-b', Tags: [{ Key: 'team', Value: 'b' }] }))), 'CreateGroup');
  denied(await rejection(() => tagger.send(new CreateGroupCommand({ GroupName: 'created-none' }))), 'CreateGroup');
  await tagger.send(new CreateSamplingRuleCommand({ SamplingRule: rule('created-a'), Tags: [{ Key: 'team', Value: 'a' }] }));
  denied(await rejection(() => tagger.send(new CreateSamplingRuleCommand({ SamplingRule: rule('created-b'), Tags: [{ Key: 'team', Value: 'b' }] }))), 'CreateSamplingRule');

  await xray.send(new DeleteGroupCommand({ GroupARN: arn }));
  await xray.send(new DeleteGroupCommand({ GroupName: 'created-a' }));
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'created-a' }));
});
