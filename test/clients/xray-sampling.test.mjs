// Sampling rules through the AWS SDK for JavaScript v3 (@aws-sdk/client-xray): every member of a rule, the Default rule,
// X-Ray's limits and errors, authorization per rule ARN, and the sampling calls themselves, signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  XRayClient, CreateSamplingRuleCommand, UpdateSamplingRuleCommand, DeleteSamplingRuleCommand, GetSamplingRulesCommand,
  GetSamplingTargetsCommand, GetSamplingStatisticSummariesCommand,
} from '@aws-sdk/client-xray';
import { clientConfig, credentialsFromEnv, rejection, accountId, region } from './support.mjs';

const xray = new XRayClient(clientConfig());
const arn = (name) => `arn:aws:xray:${region}:${accountId}:sampling-rule/${name}`;
const invalid = (error, pattern) => {
  assert.equal(error.name, 'InvalidRequestException', `expected InvalidRequestException, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, 400);
  if (pattern) {
    assert.match(error.message, pattern);
  }
};

function rule(name, overrides = {}) {
  return {
    RuleName: name, ResourceARN: '*', Priority: 100, FixedRate: 0.1, ReservoirSize: 2, ServiceName: 'svc-*', ServiceType: '*',
    Host: '*', HTTPMethod: 'GET', URLPath: '/api/*', Version: 1, ...overrides,
  };
}

async function allRules() {
  const { SamplingRuleRecords, NextToken } = await xray.send(new GetSamplingRulesCommand({}));
  assert.equal(NextToken, undefined, 'every rule fits one page');
  return SamplingRuleRecords;
}

test('every account starts with the Default rule, as X-Ray gives it', async () => {
  const [record] = (await allRules()).filter((r) => r.SamplingRule.RuleName === 'Default');
  assert.deepEqual(record.SamplingRule, {
    RuleName: 'Default', RuleARN: arn('Default'), ResourceARN: '*', Priority: 10000, FixedRate: 0.05, ReservoirSize: 1,
    ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {},
  });
});

test('a rule is created with every member, listed in priority order, updated by ARN and deleted', async () => {
  const created = await xray.send(new CreateSamplingRuleCommand({
    SamplingRule: rule('orders', {
      Priority: 7, ResourceARN: 'arn:aws:ecs:*', ServiceType: 'AWS::ECS::Container', Host: 'shop.example',
      Attributes: { tier: 'gold' }, SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
    }),
    Tags: [{ Key: 'team', Value: 'orders' }],
  }));
  const record = created.SamplingRuleRecord;
  assert.deepEqual(record.SamplingRule, {
    RuleName: 'orders', RuleARN: arn('orders'), ResourceARN: 'arn:aws:ecs:*', Priority: 7, FixedRate: 0.1, ReservoirSize: 2,
    ServiceName: 'svc-*', ServiceType: 'AWS::ECS::Container', Host: 'shop.example', HTTPMethod: 'GET', URLPath: '/api/*', Version: 1,
    Attributes: { tier: 'gold' }, SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
  });
  assert.ok(record.CreatedAt instanceof Date && Math.abs(record.CreatedAt - Date.now()) < 600_000, `CreatedAt ${record.CreatedAt}`);
  assert.equal(record.ModifiedAt.getTime(), record.CreatedAt.getTime());

  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('audit', { Priority: 3 }) }));
  const names = (await allRules()).map((r) => r.SamplingRule.RuleName);
  assert.deepEqual(names.filter((n) => ['audit', 'orders', 'Default'].includes(n)), ['audit', 'orders', 'Default']);

  await new Promise((resolve) => setTimeout(resolve, 5));
  const { SamplingRuleRecord: updated } = await xray.send(new UpdateSamplingRuleCommand({
    SamplingRuleUpdate: { RuleARN: arn('orders'), FixedRate: 0, ReservoirSize: 1 },
  }));
  assert.equal(updated.SamplingRule.FixedRate, 0);
  assert.equal(updated.SamplingRule.ReservoirSize, 1);
  assert.equal(updated.SamplingRule.Host, 'shop.example', 'what the update does not name stays');
  assert.deepEqual(updated.SamplingRule.Attributes, { tier: 'gold' });
  assert.equal(updated.CreatedAt.getTime(), record.CreatedAt.getTime());
  assert.ok(updated.ModifiedAt > record.ModifiedAt);

  const { SamplingRuleRecord: deleted } = await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'orders' }));
  assert.equal(deleted.SamplingRule.FixedRate, 0);
  assert.ok(!(await allRules()).some((r) => r.SamplingRule.RuleName === 'orders'));
  invalid(await rejection(() => xray.send(new DeleteSamplingRuleCommand({ RuleName: 'orders' }))), /no sampling rule named 'orders'/);
  invalid(await rejection(() => xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'orders', FixedRate: 1 } }))), /no sampling rule named 'orders'/);
  await xray.send(new DeleteSamplingRuleCommand({ RuleARN: arn('audit') }));
});

test('the Default rule takes a new rate and reservoir but keeps matching everything, and is never deleted', async () => {
  const { SamplingRuleRecord } = await xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0.2, ReservoirSize: 3 } }));
  assert.equal(SamplingRuleRecord.SamplingRule.FixedRate, 0.2);
  assert.equal(SamplingRuleRecord.SamplingRule.ReservoirSize, 3);
  assert.equal(SamplingRuleRecord.SamplingRule.Priority, 10000);
  const [listed] = (await allRules()).filter((r) => r.SamplingRule.RuleName === 'Default');
  assert.equal(listed.SamplingRule.ReservoirSize, 3);

  invalid(await rejection(() => xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', ServiceName: 'only-me' } }))), /Only FixedRate, ReservoirSize and SamplingRateBoost/);
  invalid(await rejection(() => xray.send(new DeleteSamplingRuleCommand({ RuleName: 'Default' }))), /can't be deleted/);
  invalid(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('Default') }))), /already exists/);
  await xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0.05, ReservoirSize: 1 } }));
});

test('bad rules are refused with InvalidRequestException naming the member', async () => {
  const cases = [
    [rule('rate', { FixedRate: 1.5 }), /FixedRate must be a number from 0 to 1/],
    [rule('priority', { Priority: 0 }), /Priority must be from 1 to 9999/],
    [rule('version', { Version: 2 }), /Version 2 is not supported/],
    [rule('reservoir', { ReservoirSize: -1 }), /ReservoirSize/],
    [rule('method', { HTTPMethod: 'PROPFINDXXXX' }), /HTTPMethod must be at most 10 characters/],
    [rule('attrs', { Attributes: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }), /at most 5/],
    [rule('name with spaces'), /letters, digits, hyphens and underscores/],
    [rule('a-name-that-is-longer-than-32-chars'), /RuleName must be 1 to 32 characters/],
    [{ ...rule('missing'), URLPath: undefined }, /SamplingRule.URLPath is required/],
  ];
  for (const [samplingRule, message] of cases) {
    invalid(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: samplingRule }))), message);
  }

  invalid(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('tagged'), Tags: [{ Key: 'aws:x', Value: 'y' }] }))), /reserved/);
  invalid(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('elsewhere', { RuleName: undefined, RuleARN: 'arn:aws:xray:eu-west-1:000000000000:sampling-rule/x' }) }))), /not a sampling rule of this account/);
  invalid(await rejection(() => xray.send(new GetSamplingRulesCommand({ NextToken: 'not-a-token' }))), /NextToken is not valid/);

  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('twice') }));
  invalid(await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('twice') }))), /already exists/);
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'twice' }));
});

test('an account holds at most 25 rules besides Default: RuleLimitExceededException', async () => {
  const names = Array.from({ length: 25 }, (_, i) => `limit-${i}`);
  for (const name of names) {
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule(name, { Priority: 500 }) }));
  }

  const error = await rejection(() => xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('one-too-many') })));
  assert.equal(error.name, 'RuleLimitExceededException', `${error.name}: ${error.message}`);
  assert.equal((await allRules()).length, 26);
  for (const name of names) {
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: name }));
  }
});

test('GetSamplingTargets and GetSamplingStatisticSummaries, signed, as a daemon forwards them', async () => {
  await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('targets', { ReservoirSize: 5, FixedRate: 0.25 }) }));
  const now = new Date();
  const answer = await xray.send(new GetSamplingTargetsCommand({
    SamplingStatisticsDocuments: [
      { RuleName: 'targets', ClientID: 'c0ffee00c0ffee00c0ffee00', Timestamp: now, RequestCount: 40, SampledCount: 9, BorrowCount: 1 },
      { RuleName: 'gone', ClientID: 'c0ffee00c0ffee00c0ffee00', Timestamp: now, RequestCount: 1, SampledCount: 0 },
    ],
  }));
  const [target] = answer.SamplingTargetDocuments;
  assert.equal(target.RuleName, 'targets');
  assert.equal(target.FixedRate, 0.25);
  assert.equal(target.ReservoirQuota, 5);
  assert.equal(target.Interval, 10);
  assert.ok(target.ReservoirQuotaTTL > now, `ReservoirQuotaTTL ${target.ReservoirQuotaTTL}`);
  assert.ok(answer.LastRuleModification instanceof Date);
  assert.deepEqual(answer.UnprocessedStatistics.map((u) => u.RuleName), ['gone']);

  const { SamplingStatisticSummaries } = await xray.send(new GetSamplingStatisticSummariesCommand({}));
  const summary = SamplingStatisticSummaries.find((s) => s.RuleName === 'targets');
  assert.deepEqual([summary.RequestCount, summary.SampledCount, summary.BorrowCount], [40, 9, 1]);
  assert.equal(Math.floor(summary.Timestamp.getTime() / 1000), Math.floor(now.getTime() / 1000));

  const tooLong = await rejection(() => xray.send(new GetSamplingTargetsCommand({
    SamplingStatisticsDocuments: [{ RuleName: 'targets', ClientID: 'short', Timestamp: now, RequestCount: 1, SampledCount: 0 }],
  })));
  invalid(tooLong, /ClientID must be exactly 24 characters/);
  await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'targets' }));
});

test('a user may manage only the rules its policy names by ARN', async () => {
  const team = new XRayClient(clientConfig({ credentials: credentialsFromEnv('SAMPLER') }));
  await team.send(new CreateSamplingRuleCommand({ SamplingRule: rule('team-a-checkout') }));
  await team.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'team-a-checkout', FixedRate: 1 } }));

  const denied = await rejection(() => team.send(new CreateSamplingRuleCommand({ SamplingRule: rule('team-b-checkout') })));
  assert.equal(denied.name, 'AccessDeniedException');
  assert.equal(denied.$metadata.httpStatusCode, 403);
  assert.match(denied.message, new RegExp(`not authorized to perform: xray:CreateSamplingRule on resource: ${arn('team-b-checkout')}`));
  const listing = await rejection(() => team.send(new GetSamplingRulesCommand({})));
  assert.equal(listing.name, 'AccessDeniedException');

  await team.send(new DeleteSamplingRuleCommand({ RuleName: 'team-a-checkout' }));
});
