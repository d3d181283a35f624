using Tracevault.Storage.Insights;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Insights: one node claims each group-minute, in order; minutes, insights and events are kept as given and seen by every opening.</summary>
public abstract class InsightRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private const string Group = "arn:aws:xray:us-east-1:111122223333:group/checkout/ABC";
    private const string OtherGroup = "arn:aws:xray:us-east-1:111122223333:group/other/DEF";
    private const long Minute = 1_767_225_600;
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(Minute + 90);

    [Fact]
    public async Task TryClaimMinute_TwoNodesAtOnce_OnlyOneWins()
    {
        var nodes = Enumerable.Range(0, 8).Select(_ => Backend.OpenInsightRepository()).ToList();
        var claims = await Task.WhenAll(nodes.Select(node => Task.Run(() => node.TryClaimMinuteAsync(Account, Group, Minute, Now, Now.AddMinutes(2), CancellationToken.None))));

        Assert.Single(claims, won => won);
        Assert.Equal(Minute, await nodes[0].FindLastClaimedMinuteAsync(Account, Group, CancellationToken.None));
        Assert.Null(await nodes[0].FindLastClaimedMinuteAsync(Account, OtherGroup, CancellationToken.None));
    }

    [Fact]
    public async Task TryClaimMinute_HeldOrAlreadyClaimed_IsRefusedUntilReleasedOrExpired()
    {
        var first = Backend.OpenInsightRepository();
        var second = Backend.OpenInsightRepository();
        Assert.True(await first.TryClaimMinuteAsync(Account, Group, Minute, Now, Now.AddMinutes(2), CancellationToken.None));

        // The same minute again, or an earlier one, never; the next one not while the lease is held.
        Assert.False(await second.TryClaimMinuteAsync(Account, Group, Minute, Now, Now.AddMinutes(2), CancellationToken.None));
        Assert.False(await second.TryClaimMinuteAsync(Account, Group, Minute - 60, Now, Now.AddMinutes(2), CancellationToken.None));
        Assert.False(await second.TryClaimMinuteAsync(Account, Group, Minute + 60, Now.AddSeconds(10), Now.AddMinutes(2), CancellationToken.None));

        // Released: the next minute goes at once; and a lease never released (its node died) runs out.
        await first.ReleaseMinuteAsync(Account, Group, Minute, CancellationToken.None);
        Assert.True(await second.TryClaimMinuteAsync(Account, Group, Minute + 60, Now.AddSeconds(10), Now.AddMinutes(2), CancellationToken.None));
        Assert.False(await first.TryClaimMinuteAsync(Account, Group, Minute + 120, Now.AddMinutes(1), Now.AddMinutes(3), CancellationToken.None));
        Assert.True(await first.TryClaimMinuteAsync(Account, Group, Minute + 120, Now.AddMinutes(2), Now.AddMinutes(4), CancellationToken.None));

        // Another group's claims are its own.
        Assert.True(await second.TryClaimMinuteAsync(Account, OtherGroup, Minute, Now, Now.AddMinutes(2), CancellationToken.None));
    }

    [Fact]
    public async Task SaveMinute_IsListedInOrderByAnotherOpening_ReplacedAndDeleted()
    {
        var node = Backend.OpenInsightRepository();
        foreach (var at in new[] { Minute + 120, Minute, Minute + 60 })
        {
            await node.SaveMinuteAsync(new SealedInsightMinute(Account, Group, at, "default/1/20260101", [1, 2, (byte)(at % 251)]), CancellationToken.None);
        }

        await node.SaveMinuteAsync(new SealedInsightMinute(Account, OtherGroup, Minute, "default/1/20260101", [9]), CancellationToken.None);
        await node.SaveMinuteAsync(new SealedInsightMinute(Account, Group, Minute + 60, "kms/7", [4, 5]), CancellationToken.None);

        var other = Backend.OpenInsightRepository();
        var listed = await other.ListMinutesAsync(Account, Group, Minute, Minute + 60, CancellationToken.None);
        Assert.Equal([Minute, Minute + 60], listed.Select(m => m.Minute));
        Assert.Equal("kms/7", listed[1].DataKeyReference);
        Assert.Equal([4, 5], listed[1].Body);
        Assert.Equal(Account, listed[0].AccountId);
        Assert.Equal(Group, listed[0].GroupArn);

        Assert.Equal(2, await other.DeleteMinutesBeforeAsync(Account, Group, Minute + 120, CancellationToken.None));
        Assert.Equal([Minute + 120], (await node.ListMinutesAsync(Account, Group, 0, long.MaxValue, CancellationToken.None)).Select(m => m.Minute));
        Assert.Single(await node.ListMinutesAsync(Account, OtherGroup, 0, long.MaxValue, CancellationToken.None));
    }

    [Fact]
    public async Task SaveInsight_IsFoundListedAndReplaced()
    {
        var node = Backend.OpenInsightRepository();
        var closed = new StoredInsight(Account, "11111111-1111-4111-8111-111111111111", Group, false, Minute, Minute + 300, "default/1/20260101", [1]);
        var active = new StoredInsight(Account, "22222222-2222-4222-8222-222222222222", Group, true, Minute + 600, null, "default/1/20260101", [2]);
        var elsewhere = new StoredInsight(Account, "33333333-3333-4333-8333-333333333333", OtherGroup, true, Minute, null, "default/1/20260101", [3]);
        foreach (var insight in new[] { closed, active, elsewhere })
        {
            await node.SaveInsightAsync(insight, CancellationToken.None);
        }

        var other = Backend.OpenInsightRepository();
        AssertSame(closed, await other.FindInsightAsync(Account, closed.InsightId, CancellationToken.None));
        Assert.Null(await other.FindInsightAsync("999988887777", closed.InsightId, CancellationToken.None));
        AssertSame(active, await other.FindActiveInsightAsync(Account, Group, CancellationToken.None));

        // Open at some time in the range: started before its end, not ended before its start.
        Assert.Equal([active.InsightId, closed.InsightId], (await other.ListInsightsAsync(Account, Group, null, Minute, Minute + 3600, CancellationToken.None)).Select(i => i.InsightId));
        Assert.Equal([active.InsightId], (await other.ListInsightsAsync(Account, Group, null, Minute + 301, Minute + 3600, CancellationToken.None)).Select(i => i.InsightId));
        Assert.Equal([closed.InsightId], (await other.ListInsightsAsync(Account, Group, null, Minute, Minute + 600, CancellationToken.None)).Select(i => i.InsightId));
        Assert.Equal([closed.InsightId], (await other.ListInsightsAsync(Account, Group, false, 0, long.MaxValue, CancellationToken.None)).Select(i => i.InsightId));
        Assert.Equal([active.InsightId], (await other.ListInsightsAsync(Account, Group, true, 0, long.MaxValue, CancellationToken.None)).Select(i => i.InsightId));

        var ended = active with { Active = false, EndTime = Minute + 900, Body = [7, 7] };
        await other.SaveInsightAsync(ended, CancellationToken.None);
        AssertSame(ended, await node.FindInsightAsync(Account, active.InsightId, CancellationToken.None));
        Assert.Null(await node.FindActiveInsightAsync(Account, Group, CancellationToken.None));
    }

    [Fact]
    public async Task AddEvent_IsListedOldestFirst_OnePerSecond()
    {
        var node = Backend.OpenInsightRepository();
        const string Id = "11111111-1111-4111-8111-111111111111";
        await node.AddEventAsync(new StoredInsightEvent(Account, Id, Minute + 120, "k", [2]), CancellationToken.None);
        await node.AddEventAsync(new StoredInsightEvent(Account, Id, Minute + 60, "k", [1]), CancellationToken.None);
        await node.AddEventAsync(new StoredInsightEvent(Account, Id, Minute + 120, "k", [3]), CancellationToken.None);
        await node.AddEventAsync(new StoredInsightEvent(Account, "22222222-2222-4222-8222-222222222222", Minute, "k", [9]), CancellationToken.None);

        var events = await Backend.OpenInsightRepository().ListEventsAsync(Account, Id, CancellationToken.None);
        Assert.Equal([(Minute + 60, (byte)1), (Minute + 120, (byte)3)], events.Select(e => (e.EventTime, e.Body.Single())));
    }

    private static void AssertSame(StoredInsight expected, StoredInsight? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Body = [] }, actual with { Body = [] });
        Assert.Equal(expected.Body, actual.Body);
    }
}
