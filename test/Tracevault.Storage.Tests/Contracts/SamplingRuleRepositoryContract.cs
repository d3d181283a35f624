using Tracevault.Core.Sampling;
using Tracevault.Storage.Sampling;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Sampling rules, client statistics and boosts: one store shared by every node, each change seen by every opening at once.</summary>
public abstract class SamplingRuleRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private const string OtherAccount = "444455556666";
    private const string ClientA = "aaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ClientB = "bbbbbbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Create_ThenFindThroughAnotherOpening_ReturnsEveryField()
    {
        var node1 = Backend.OpenSamplingRules();
        var node2 = Backend.OpenSamplingRules();
        var rule = Rule("checkout") with
        {
            ResourceArn = "arn:aws:ecs:*",
            Attributes = new Dictionary<string, string> { ["tier"] = "gold", ["region"] = "eu-*" },
            RateBoost = new SamplingRateBoost(0.5, 7),
        };
        var stored = new StoredSamplingRule(Account, rule, T0, T0.AddSeconds(1), [new("team", "a"), new("env", "prod")]);

        Assert.Equal(SamplingRuleCreation.Created, await node1.CreateAsync(stored, 25, None));

        var found = await node2.FindAsync(Account, "checkout", None);
        Assert.NotNull(found);
        AssertSame(stored, found);
        AssertSame(stored, Assert.Single(await node2.ListAsync(Account, None)));
        Assert.Null(await node2.FindAsync(OtherAccount, "checkout", None));
        Assert.Empty(await node2.ListAsync(OtherAccount, None));
        Assert.Equal(T0.AddSeconds(1), await node2.LastChangeAsync(Account, None));
        Assert.Null(await node2.LastChangeAsync(OtherAccount, None));
    }

    [Fact]
    public async Task Create_RuleWithoutBoostOrAttributes_RoundTripsEmpty()
    {
        var rules = Backend.OpenSamplingRules();
        await rules.CreateAsync(new StoredSamplingRule(Account, Rule("plain"), T0, T0, []), 25, None);

        var found = (await rules.FindAsync(Account, "plain", None))!;
        Assert.Null(found.Rule.RateBoost);
        Assert.Empty(found.Rule.Attributes);
        Assert.Empty(found.Tags);
    }

    [Fact]
    public async Task Create_NameTakenOrLimitReached_ChangesNothing_AndDefaultDoesNotCount()
    {
        var rules = Backend.OpenSamplingRules();
        Assert.Equal(SamplingRuleCreation.Created, await rules.CreateAsync(Stored("one", 1), 2, None));
        Assert.Equal(SamplingRuleCreation.Created, await rules.CreateAsync(new StoredSamplingRule(Account, SamplingRule.Default, T0, T0, []), 2, None));
        Assert.Equal(SamplingRuleCreation.NameTaken, await rules.CreateAsync(Stored("one", 5), 2, None));
        Assert.Equal(SamplingRuleCreation.Created, await rules.CreateAsync(Stored("two", 2), 2, None));
        Assert.Equal(SamplingRuleCreation.LimitReached, await rules.CreateAsync(Stored("three", 3), 2, None));
        Assert.Equal(SamplingRuleCreation.Created, await rules.CreateAsync(new StoredSamplingRule(OtherAccount, Rule("three"), T0, T0, []), 2, None));

        Assert.Equal(["Default", "one", "two"], (await rules.ListAsync(Account, None)).Select(r => r.Rule.Name));
        Assert.Equal(1, (await rules.FindAsync(Account, "one", None))!.Rule.Priority);
    }

    [Fact]
    public async Task Create_ManyNodesAtOnce_NeverExceedTheLimitTogether()
    {
        var openings = Enumerable.Range(0, 4).Select(_ => Backend.OpenSamplingRules()).ToArray();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => openings[i % openings.Length].CreateAsync(Stored($"rule-{i}", i + 1), 5, None))));

        Assert.Equal(5, outcomes.Count(o => o == SamplingRuleCreation.Created));
        Assert.Equal(5, (await openings[0].ListAsync(Account, None)).Count);
    }

    [Fact]
    public async Task Update_ReplacesTheDefinition_KeepsCreationAndTags_AndUnknownIsFalse()
    {
        var node1 = Backend.OpenSamplingRules();
        var node2 = Backend.OpenSamplingRules();
        await node1.CreateAsync(new StoredSamplingRule(Account, Rule("checkout"), T0, T0, [new("team", "a")]), 25, None);
        var changed = Rule("checkout") with { FixedRate = 1, ReservoirSize = 0, Priority = 3, RateBoost = new SamplingRateBoost(1, 0) };

        Assert.True(await node2.UpdateAsync(new StoredSamplingRule(Account, changed, T0.AddDays(9), T0.AddMinutes(5), []), None));

        var found = (await node1.FindAsync(Account, "checkout", None))!;
        Assert.Equal(1, found.Rule.FixedRate);
        Assert.Equal(0, found.Rule.ReservoirSize);
        Assert.Equal(3, found.Rule.Priority);
        Assert.Equal(new SamplingRateBoost(1, 0), found.Rule.RateBoost);
        Assert.Equal(T0, found.CreatedAt);
        Assert.Equal(T0.AddMinutes(5), found.ModifiedAt);
        Assert.Equal([new("team", "a")], found.Tags);
        Assert.Equal(T0.AddMinutes(5), await node1.LastChangeAsync(Account, None));

        Assert.False(await node2.UpdateAsync(new StoredSamplingRule(Account, Rule("missing"), T0, T0.AddMinutes(6), []), None));
        Assert.Equal(T0.AddMinutes(5), await node1.LastChangeAsync(Account, None));
    }

    [Fact]
    public async Task Delete_ReturnsTheRule_AndForgetsItsStatisticsAndBoost()
    {
        var rules = Backend.OpenSamplingRules();
        await rules.CreateAsync(Stored("checkout", 1), 25, None);
        await rules.CreateAsync(Stored("other", 2), 25, None);
        await rules.RecordStatisticsAsync(Account, [Report("checkout", ClientA, 10, T0), Report("other", ClientA, 4, T0)], T0.AddHours(-1), None);
        await rules.StartBoostAsync(Account, new SamplingBoostState("checkout", 0.5, T0, T0.AddMinutes(1)), T0.AddMinutes(-5), None);

        var deleted = await Backend.OpenSamplingRules().DeleteAsync(Account, "checkout", T0.AddMinutes(2), None);

        Assert.Equal("checkout", deleted?.Rule.Name);
        Assert.Null(await rules.FindAsync(Account, "checkout", None));
        Assert.Equal(["other"], (await rules.RecentStatisticsAsync(Account, T0.AddHours(-1), None)).Select(s => s.RuleName));
        Assert.Empty(await rules.BoostsAsync(Account, None));
        Assert.Equal(T0.AddMinutes(2), await rules.LastChangeAsync(Account, None));
        Assert.Null(await rules.DeleteAsync(Account, "checkout", T0.AddMinutes(3), None));
        Assert.Equal(T0.AddMinutes(2), await rules.LastChangeAsync(Account, None));
    }

    [Fact]
    public async Task RecordStatistics_FromTwoNodes_EveryNodeSeesEachClientsLatestReport()
    {
        var node1 = Backend.OpenSamplingRules();
        var node2 = Backend.OpenSamplingRules();

        await node1.RecordStatisticsAsync(Account, [Report("checkout", ClientA, 30, T0)], T0.AddHours(-1), None);
        await node2.RecordStatisticsAsync(Account, [Report("checkout", ClientB, 10, T0.AddSeconds(1))], T0.AddHours(-1), None);
        await node2.RecordStatisticsAsync(Account, [Report("checkout", ClientA, 60, T0.AddSeconds(10))], T0.AddHours(-1), None);

        var seen = await node1.RecentStatisticsAsync(Account, T0, None);
        Assert.Equal([(ClientA, 60L), (ClientB, 10L)], seen.Select(s => (s.ClientId, s.RequestCount)));
        var latest = seen[0];
        Assert.Equal(("checkout", T0.AddSeconds(10), 6L, 1L, T0.AddSeconds(10)), (latest.RuleName, latest.Timestamp, latest.SampledCount, latest.BorrowCount, latest.ReceivedAt));
        Assert.Equal([ClientA], (await node1.RecentStatisticsAsync(Account, T0.AddSeconds(5), None)).Select(s => s.ClientId));
        Assert.Empty(await node1.RecentStatisticsAsync(OtherAccount, T0, None));
    }

    [Fact]
    public async Task RecordStatistics_ForgetsReportsReceivedBeforeTheCutoff()
    {
        var rules = Backend.OpenSamplingRules();
        await rules.RecordStatisticsAsync(Account, [Report("checkout", ClientA, 30, T0)], T0.AddHours(-1), None);

        await rules.RecordStatisticsAsync(Account, [Report("checkout", ClientB, 10, T0.AddHours(2))], T0.AddHours(1), None);

        Assert.Equal([ClientB], (await rules.RecentStatisticsAsync(Account, DateTimeOffset.UnixEpoch, None)).Select(s => s.ClientId));
    }

    [Fact]
    public async Task StartBoost_WithinTheCooldown_KeepsTheFirst_AfterItStartsAnother()
    {
        var node1 = Backend.OpenSamplingRules();
        var node2 = Backend.OpenSamplingRules();
        var first = new SamplingBoostState("checkout", 0.5, T0, T0.AddMinutes(1));

        Assert.Equal(first, await node1.StartBoostAsync(Account, first, T0.AddMinutes(-5), None));

        // Another node, two minutes later, inside a five-minute cooldown: the first boost stands.
        var early = new SamplingBoostState("checkout", 0.9, T0.AddMinutes(2), T0.AddMinutes(3));
        Assert.Equal(first, await node2.StartBoostAsync(Account, early, T0.AddMinutes(-3), None));

        var later = new SamplingBoostState("checkout", 0.7, T0.AddMinutes(6), T0.AddMinutes(7));
        Assert.Equal(later, await node2.StartBoostAsync(Account, later, T0.AddMinutes(1), None));
        Assert.Equal([later], await node1.BoostsAsync(Account, None));
        Assert.Empty(await node1.BoostsAsync(OtherAccount, None));
    }

    private static SamplingRule Rule(string name) =>
        new(name, "*", 5, 0.1, 2, "checkout-svc", "AWS::EC2::Instance", "shop.example", "POST", "/api/*", 1, new Dictionary<string, string>(), null);

    private static StoredSamplingRule Stored(string name, int priority) => new(Account, Rule(name) with { Priority = priority }, T0, T0, []);

    private static SamplingStatistics Report(string rule, string client, long requests, DateTimeOffset at) =>
        new(rule, client, at, requests, requests / 10, 1, at);

    private static void AssertSame(StoredSamplingRule expected, StoredSamplingRule actual)
    {
        Assert.Equal(expected.AccountId, actual.AccountId);
        Assert.Equal(expected.Rule with { Attributes = actual.Rule.Attributes }, actual.Rule);
        Assert.Equal(expected.Rule.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal), actual.Rule.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal));
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.ModifiedAt, actual.ModifiedAt);
        Assert.Equal(expected.Tags, actual.Tags);
    }
}
