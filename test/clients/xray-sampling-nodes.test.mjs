// Issue 19's acceptance for centralized sampling across nodes: two clients, as the X-Ray SDKs report (GetSamplingTargets,
// signed, through @aws-sdk/client-xray), each to its own Tracevault node (TRACEVAULT_ENDPOINT and TRACEVAULT_ENDPOINT_2) of one
// store. Once both have reported, the ReservoirQuotas they receive add up to the rule's ReservoirSize, split by their demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XRayClient, CreateSamplingRuleCommand, GetSamplingTargetsCommand, GetSamplingRulesCommand } from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';

const second = process.env.TRACEVAULT_ENDPOINT_2;
assert.ok(second, 'TRACEVAULT_ENDPOINT_2 names the second node');
const node1 = new XRayClient(clientConfig());
const node2 = new XRayClient(clientConfig({ endpoint: second }));
const clientA = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const clientB = 'bbbbbbbbbbbbbbbbbbbbbbbb';

/** One client's report of `requests` matched by rule `rule` to `node`; the quota the node gives it. */
async function report(node, clientId, rule, requests) {
  const { SamplingTargetDocuments, UnprocessedStatistics } = await node.send(new GetSamplingTargetsCommand({
    SamplingStatisticsDocuments: [{ RuleName: rule, ClientID: clientId, Timestamp: new Date(), RequestCount: requests, SampledCount: Math.min(requests, 1), BorrowCount: 0 }],
  }));
  assert.deepEqual(UnprocessedStatistics, []);
  const [target] = SamplingTargetDocuments;
  assert.equal(target.RuleName, rule);
  return target.ReservoirQuota;
}

/** A reporting round: A to node 1, then B to node 2, as SDKs reporting every 10 seconds do. */
async function round(rule, demandA, demandB) {
  const a = await report(node1, clientA, rule, demandA);
  const b = await report(node2, clientB, rule, demandB);
  return { a, b };
}

test('a rule made through node 1 is the rule node 2 gives out', async () => {
  await node1.send(new CreateSamplingRuleCommand({
    SamplingRule: {
      RuleName: 'fleet', ResourceARN: '*', Priority: 10, FixedRate: 0.1, ReservoirSize: 10, ServiceName: 'checkout', ServiceType: '*',
      Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
    },
  }));
  const { SamplingRuleRecords } = await node2.send(new GetSamplingRulesCommand({}));
  assert.equal(SamplingRuleRecords.find((r) => r.SamplingRule.RuleName === 'fleet')?.SamplingRule.ReservoirSize, 10);
});

test('two clients on two nodes together receive the whole reservoir, split by their demand', async () => {
  // The first round: A reports before anyone else and is given the whole reservoir, as a lone client is.
  const first = await round('fleet', 300, 100);
  assert.equal(first.a, 10);
  assert.equal(first.b, 2, 'B is given its share of the fleet both clients make: 100 of 400 requests, of 10 (2.5, the half going to the greater demand)');

  // From the second round on, each node splits every client's latest report, whichever node took it.
  for (let i = 0; i < 3; i++) {
    const { a, b } = await round('fleet', 300, 100);
    assert.equal(a + b, 10, `round ${i + 2}: A ${a} + B ${b}`);
    assert.deepEqual({ a, b }, { a: 8, b: 2 }, 'split 3 to 1: 7.5 and 2.5, the half to the greater demand');
  }

  // Clients report when their own timers fire: reports arriving at both nodes at once split alike.
  for (let i = 0; i < 3; i++) {
    const [a, b] = await Promise.all([report(node1, clientA, 'fleet', 300), report(node2, clientB, 'fleet', 100)]);
    assert.deepEqual({ a, b }, { a: 8, b: 2 }, `concurrent round ${i + 1}`);
  }

  // Demand moves to B: once both have reported it, B has the larger share, and the whole stays the reservoir.
  await round('fleet', 100, 300);
  const shifted = await round('fleet', 100, 300);
  assert.deepEqual(shifted, { a: 2, b: 8 });
});
