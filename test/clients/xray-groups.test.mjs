// X-Ray groups with the real AWS SDK for JavaScript v3: CRUD, X-Ray's errors, per-group authorization, and a group scoping
// GetTraceSummaries (group.name / group.arn) and GetServiceGraph (GroupName / GroupARN); rootcause.* filters on the same traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  XRayClient, CreateGroupCommand, GetGroupCommand, GetGroupsCommand, UpdateGroupCommand, DeleteGroupCommand,
  PutTraceSegmentsCommand, GetTraceSummariesCommand, GetServiceGraphCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection, accountId, region } from './support.mjs';

const xray = new XRayClient(clientConfig());
const groupArn = (name) => new RegExp(`^arn:aws:xray:${region}:${accountId}:group/${name}/[A-Z2-7]{32}$`);

function assertInvalid(error, pattern) {
  assert.equal(error.name, 'InvalidRequestException', `expected InvalidRequestException, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.match(error.message, pattern);
}

test('the Default group is listed first, with no filter expression, and cannot be created or deleted', async () => {
  const { Groups, NextToken } = await xray.send(new GetGroupsCommand({}));
  assert.equal(NextToken, undefined);
  assert.deepEqual(Groups[0], {
    GroupName: 'Default',
    GroupARN: `arn:aws:xray:${region}:${accountId}:group/Default`,
    InsightsConfiguration: { InsightsEnabled: false, NotificationsEnabled: false },
  });
  const { Group } = await xray.send(new GetGroupCommand({ GroupARN: Groups[0].GroupARN }));
  assert.deepEqual(Group, Groups[0]);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'Default', FilterExpression: 'fault' }))), /Default is a reserved group name/);
  assertInvalid(await rejection(() => xray.send(new DeleteGroupCommand({ GroupName: 'Default' }))), /Default group cannot be deleted/);
  assertInvalid(await rejection(() => xray.send(new UpdateGroupCommand({ GroupName: 'Default', FilterExpression: 'fault' }))), /filter expression cannot be set/);
  // Its insights can be switched on, as in X-Ray, and back off.
  const on = await xray.send(new UpdateGroupCommand({ GroupName: 'Default', InsightsConfiguration: { InsightsEnabled: true } }));
  assert.deepEqual(on.Group.InsightsConfiguration, { InsightsEnabled: true, NotificationsEnabled: false });
  assert.equal(on.Group.FilterExpression, undefined);
  await xray.send(new UpdateGroupCommand({ GroupName: 'Default', InsightsConfiguration: { InsightsEnabled: false } }));
});

test('a group is created, read by name and by ARN, updated, listed and deleted', async () => {
  const created = await xray.send(new CreateGroupCommand({
    GroupName: 'crud-group',
    FilterExpression: 'responsetime > 5',
    InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: true },
    Tags: [{ Key: 'team', Value: 'a' }],
  }));
  assert.match(created.Group.GroupARN, groupArn('crud-group'));
  assert.deepEqual({ ...created.Group, GroupARN: undefined }, {
    GroupName: 'crud-group', GroupARN: undefined, FilterExpression: 'responsetime > 5',
    InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: true },
  });
  const arn = created.Group.GroupARN;
  assert.deepEqual((await xray.send(new GetGroupCommand({ GroupName: 'crud-group' }))).Group, created.Group);
  assert.deepEqual((await xray.send(new GetGroupCommand({ GroupARN: arn }))).Group, created.Group);

  const updated = await xray.send(new UpdateGroupCommand({ GroupARN: arn, FilterExpression: 'fault', InsightsConfiguration: { NotificationsEnabled: false } }));
  assert.deepEqual(updated.Group, { ...created.Group, FilterExpression: 'fault', InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: false } });
  const { Groups } = await xray.send(new GetGroupsCommand({}));
  assert.deepEqual(Groups.find((g) => g.GroupName === 'crud-group'), updated.Group);

  await xray.send(new DeleteGroupCommand({ GroupARN: arn }));
  assertInvalid(await rejection(() => xray.send(new GetGroupCommand({ GroupName: 'crud-group' }))), /Group not found/);
  // Created again, the group gets a new id: its old ARN names nothing.
  const again = await xray.send(new CreateGroupCommand({ GroupName: 'crud-group' }));
  assert.notEqual(again.Group.GroupARN, arn);
  assert.equal(again.Group.FilterExpression, undefined);
  assertInvalid(await rejection(() => xray.send(new GetGroupCommand({ GroupARN: arn }))), /Group not found/);
  assertInvalid(await rejection(() => xray.send(new DeleteGroupCommand({ GroupARN: arn }))), /Group not found/);
  await xray.send(new DeleteGroupCommand({ GroupName: 'crud-group' }));
});

test('bad requests are refused with InvalidRequestException naming the problem', async () => {
  await xray.send(new CreateGroupCommand({ GroupName: 'taken' }));
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'taken' }))), /already exists/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'bad-filter', FilterExpression: 'responsetime >' }))),
    /Invalid filter expression at position 14: expected a number for 'responsetime'/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'nested', FilterExpression: 'group.name = "taken"' }))),
    /cannot refer to a group/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'notify', InsightsConfiguration: { NotificationsEnabled: true } }))),
    /NotificationsEnabled can only be true/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'aws-tag', Tags: [{ Key: 'aws:owner', Value: 'x' }] }))), /reserved/);
  const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'many-tags', Tags: tooMany }))), /at most 50 tags/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'x'.repeat(33) }))), /1 to 32 characters/);
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'a/b' }))), /cannot hold '\/'/);
  assertInvalid(await rejection(() => xray.send(new GetGroupCommand({}))), /GroupName or GroupARN is required/);
  assertInvalid(await rejection(() => xray.send(new GetGroupCommand({ GroupARN: 'arn:aws:s3:::bucket' }))), /not a group ARN/);
  assertInvalid(await rejection(() => xray.send(new UpdateGroupCommand({ GroupName: 'missing', FilterExpression: 'fault' }))), /Group not found/);
  assertInvalid(await rejection(() => xray.send(new UpdateGroupCommand({ GroupName: 'taken', FilterExpression: 'fault AND' }))), /expected a filter after 'AND'/);
  await xray.send(new DeleteGroupCommand({ GroupName: 'taken' }));
});

test('an account holds at most 25 groups besides Default', async () => {
  const existing = (await xray.send(new GetGroupsCommand({}))).Groups.length - 1;
  const names = Array.from({ length: 25 - existing }, (_, i) => `limit-${i}`);
  for (const name of names) {
    await xray.send(new CreateGroupCommand({ GroupName: name }));
  }
  assertInvalid(await rejection(() => xray.send(new CreateGroupCommand({ GroupName: 'one-too-many' }))), /25 groups/);
  for (const name of names) {
    await xray.send(new DeleteGroupCommand({ GroupName: name }));
  }
  await xray.send(new CreateGroupCommand({ GroupName: 'one-too-many' }));
  await xray.send(new DeleteGroupCommand({ GroupName: 'one-too-many' }));
});

test('a user allowed groups by ARN acts on those only, and learns nothing of the others', async () => {
  await xray.send(new CreateGroupCommand({ GroupName: 'team-a-group' }));
  await xray.send(new CreateGroupCommand({ GroupName: 'team-b-group' }));
  const limited = new XRayClient(clientConfig({ credentials: credentialsFromEnv('LIMITED') }));
  assert.equal((await limited.send(new GetGroupCommand({ GroupName: 'team-a-group' }))).Group.GroupName, 'team-a-group');
  await limited.send(new UpdateGroupCommand({ GroupName: 'team-a-group', FilterExpression: 'error' }));
  for (const denied of [
    () => limited.send(new GetGroupCommand({ GroupName: 'team-b-group' })),
    () => limited.send(new GetGroupCommand({ GroupName: 'team-b-missing' })),
    () => limited.send(new DeleteGroupCommand({ GroupName: 'team-b-group' })),
  ]) {
    const error = await rejection(denied);
    assert.equal(error.name, 'AccessDeniedException', `${error.name}: ${error.message}`);
    assert.match(error.message, /xray:(GetGroup|DeleteGroup) on resource: arn:aws:xray:[^ ]+:group\/team-b-/);
  }
  const create = await rejection(() => limited.send(new CreateGroupCommand({ GroupName: 'team-a-new' })));
  assert.equal(create.name, 'AccessDeniedException');
  assert.match(create.message, /xray:CreateGroup/);
  await xray.send(new DeleteGroupCommand({ GroupName: 'team-a-group' }));
  await xray.send(new DeleteGroupCommand({ GroupName: 'team-b-group' }));
});

function traceId(seconds) {
  return `1-${Math.floor(seconds).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function segment(trace, name, start, fields) {
  return JSON.stringify({
    name, id: randomBytes(8).toString('hex'), trace_id: trace, start_time: start, end_time: start + 0.5, origin: 'AWS::EC2::Instance', ...fields,
  });
}

test('a group scopes GetTraceSummaries (group.name, group.arn) and GetServiceGraph (GroupName, GroupARN)', async () => {
  const now = Date.now() / 1000 - 5;
  const checkoutFault = traceId(now);
  const checkoutOk = traceId(now);
  const cartFault = traceId(now);
  const payments = {
    name: 'payments', id: randomBytes(8).toString('hex'), namespace: 'remote', start_time: now + 0.1, end_time: now + 0.4, fault: true,
    http: { request: { method: 'POST', url: 'https://payments.example.com/charge' }, response: { status: 503 } },
  };
  const { UnprocessedTraceSegments } = await xray.send(new PutTraceSegmentsCommand({
    TraceSegmentDocuments: [
      segment(checkoutFault, 'checkout', now, { fault: true, http: { response: { status: 500 } }, subsegments: [payments] }),
      segment(checkoutOk, 'checkout', now, { http: { response: { status: 200 } } }),
      segment(cartFault, 'cart', now, { fault: true, http: { response: { status: 500 } } }),
    ],
  }));
  assert.deepEqual(UnprocessedTraceSegments, []);
  const { Group } = await xray.send(new CreateGroupCommand({ GroupName: 'checkout-faults', FilterExpression: 'service("checkout") { fault }' }));
  const range = { StartTime: new Date((now - 60) * 1000), EndTime: new Date((now + 60) * 1000) };
  const ids = async (FilterExpression) =>
    (await xray.send(new GetTraceSummariesCommand({ ...range, FilterExpression }))).TraceSummaries.map((s) => s.Id).sort();

  assert.deepEqual(await ids(undefined), [checkoutFault, checkoutOk, cartFault].sort());
  assert.deepEqual(await ids('group.name = "checkout-faults"'), [checkoutFault]);
  assert.deepEqual(await ids(`group.arn = "${Group.GroupARN}"`), [checkoutFault]);
  assert.deepEqual(await ids('group.name = "checkout-faults" OR service("cart")'), [checkoutFault, cartFault].sort());
  assert.deepEqual(await ids('group.name = "Default"'), [checkoutFault, checkoutOk, cartFault].sort());
  assertInvalid(await rejection(() => ids('group.name = "nope"')), /there is no group named 'nope'/);

  // Root causes: the checkout fault was the payment API's; the cart's was its own.
  assert.deepEqual(await ids('rootcause.fault.service { last and name = "payments" }'), [checkoutFault]);
  assert.deepEqual(await ids('rootcause.fault.service { last and name = "cart" }'), [cartFault]);
  assert.deepEqual(await ids('rootcause.fault.entity { remote }'), [checkoutFault]);
  const summary = (await xray.send(new GetTraceSummariesCommand({ ...range, FilterExpression: 'group.name = "checkout-faults"' }))).TraceSummaries[0];
  assert.deepEqual(summary.FaultRootCauses[0].Services.map((s) => s.Name), ['checkout', 'payments']);
  // The payment call took 0.3 of checkout's 0.5 s: more than half, so the time root cause goes down to it.
  assert.deepEqual(summary.ResponseTimeRootCauses[0].Services.map((s) => s.Name), ['checkout', 'payments']);
  assert.deepEqual(await ids('rootcause.responsetime.service { last and name = "payments" }'), [checkoutFault]);

  // The services by name; the nameless client node X-Ray draws in front of each entry point is left out.
  const names = async (scope) => (await xray.send(new GetServiceGraphCommand({ ...range, ...scope }))).Services
    .filter((s) => s.Type !== 'client').map((s) => s.Name).sort();
  assert.deepEqual(await names({}), ['cart', 'checkout', 'payments']);
  assert.deepEqual(await names({ GroupName: 'checkout-faults' }), ['checkout', 'payments']);
  assert.deepEqual(await names({ GroupARN: Group.GroupARN }), ['checkout', 'payments']);
  assert.deepEqual(await names({ GroupName: 'Default' }), ['cart', 'checkout', 'payments']);
  assertInvalid(await rejection(() => names({ GroupName: 'nope' })), /Group not found/);

  await xray.send(new UpdateGroupCommand({ GroupName: 'checkout-faults', FilterExpression: 'service("cart")' }));
  assert.deepEqual(await ids('group.name = "checkout-faults"'), [cartFault]);
  assert.deepEqual(await names({ GroupName: 'checkout-faults' }), ['cart']);
  await xray.send(new DeleteGroupCommand({ GroupName: 'checkout-faults' }));
});
