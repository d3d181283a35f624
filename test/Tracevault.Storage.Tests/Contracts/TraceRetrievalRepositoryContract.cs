using Tracevault.Storage.Retrievals;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Trace retrievals: seen by every opening at once, each claimed by one node only, a cancel never undone by a late completion.</summary>
public abstract class TraceRetrievalRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private const long Created = 1_796_472_000;

    [Fact]
    public async Task AddAsync_Retrieval_IsFoundByAnotherOpeningAsStored()
    {
        var retrieval = Retrieval("a1", Created) with { TraceHashes = [1L << 50, -12345, 7] };
        await Backend.OpenTraceRetrievals().AddAsync(retrieval, default);

        var found = await Backend.OpenTraceRetrievals().FindAsync(Account, "a1", default);
        Assert.NotNull(found);
        Assert.Equal(retrieval.SealedTraceIds, found.SealedTraceIds);
        Assert.Equal(retrieval.TraceHashes, found.TraceHashes);
        Assert.Equal(retrieval with { SealedTraceIds = found.SealedTraceIds, TraceHashes = found.TraceHashes, ChunkIds = found.ChunkIds }, found);
        Assert.Empty(found.ChunkIds);
        Assert.Null(await Backend.OpenTraceRetrievals().FindAsync("999988887777", "a1", default));
        Assert.Null(await Backend.OpenTraceRetrievals().FindAsync(Account, "a2", default));
    }

    [Fact]
    public async Task ClaimNextAsync_TakesTheOldestScheduledOnce_ThenFinishAsyncCompletesItWithItsChunks()
    {
        var node = Backend.OpenTraceRetrievals();
        await node.AddAsync(Retrieval("newer", Created + 5), default);
        await node.AddAsync(Retrieval("older", Created), default);

        var first = await Backend.OpenTraceRetrievals().ClaimNextAsync(Created + 10, default);
        Assert.Equal(("older", RetrievalStatus.Running), (first?.Id, first?.Status));
        Assert.Equal(RetrievalStatus.Running, (await node.FindAsync(Account, "older", default))!.Status);
        var second = await Backend.OpenTraceRetrievals().ClaimNextAsync(Created + 10, default);
        Assert.Equal("newer", second?.Id);
        Assert.Null(await node.ClaimNextAsync(Created + 10, default));

        Assert.True(await node.FinishAsync(Account, "older", RetrievalStatus.Complete, [3, 9], Created + 11, default));
        var done = await Backend.OpenTraceRetrievals().FindAsync(Account, "older", default);
        Assert.Equal(RetrievalStatus.Complete, done!.Status);
        Assert.Equal([3L, 9L], done.ChunkIds);
        Assert.False(await node.FinishAsync(Account, "older", RetrievalStatus.Failed, [], Created + 12, default));
        Assert.Equal(RetrievalStatus.Complete, (await node.FindAsync(Account, "older", default))!.Status);
    }

    [Fact]
    public async Task ClaimNextAsync_ManyNodesAtOnce_EachRetrievalIsClaimedExactlyOnce()
    {
        var node = Backend.OpenTraceRetrievals();
        for (var i = 0; i < 12; i++)
        {
            await node.AddAsync(Retrieval("r" + i, Created + i), default);
        }

        var nodes = Enumerable.Range(0, 4).Select(_ => Backend.OpenTraceRetrievals()).ToList();
        var claims = await Task.WhenAll(nodes.Select(n => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (await n.ClaimNextAsync(Created + 100, default) is { } claimed)
            {
                mine.Add(claimed.Id);
            }

            return mine;
        })));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => "r" + i).Order(), claims.SelectMany(c => c).Order());
    }

    [Fact]
    public async Task CancelAsync_ScheduledOrRunning_IsCancelledAndALateFinishDoesNotUndoIt()
    {
        var node = Backend.OpenTraceRetrievals();
        await node.AddAsync(Retrieval("scheduled", Created), default);
        await node.AddAsync(Retrieval("running", Created + 1), default);
        Assert.Equal("scheduled", (await node.ClaimNextAsync(Created + 3, default))?.Id);
        Assert.True(await node.FinishAsync(Account, "scheduled", RetrievalStatus.Complete, [1], Created + 3, default));
        Assert.Equal("running", (await node.ClaimNextAsync(Created + 3, default))?.Id);
        await node.AddAsync(Retrieval("waiting", Created + 4), default);

        var other = Backend.OpenTraceRetrievals();
        Assert.Equal(RetrievalStatus.Cancelled, await other.CancelAsync(Account, "running", Created + 5, default));
        Assert.Equal(RetrievalStatus.Cancelled, await other.CancelAsync(Account, "waiting", Created + 5, default));
        Assert.Equal(RetrievalStatus.Complete, await other.CancelAsync(Account, "scheduled", Created + 5, default));
        Assert.Null(await other.CancelAsync(Account, "nothing", Created + 5, default));
        Assert.Null(await other.CancelAsync("999988887777", "running", Created + 5, default));

        // The node that was running it finishes late: the cancel stands, and a cancelled retrieval is never claimed.
        Assert.False(await node.FinishAsync(Account, "running", RetrievalStatus.Complete, [4], Created + 6, default));
        Assert.Equal(RetrievalStatus.Cancelled, (await node.FindAsync(Account, "running", default))!.Status);
        Assert.Empty((await node.FindAsync(Account, "running", default))!.ChunkIds);
        Assert.Null(await node.ClaimNextAsync(Created + 7, default));
    }

    [Fact]
    public async Task ExpireAsync_TimesOutWhatIsNotDone_AndDeletesWhatIsOld()
    {
        var node = Backend.OpenTraceRetrievals();
        await node.AddAsync(Retrieval("ancient", Created - 100_000), default);
        await node.AddAsync(Retrieval("stuck", Created - 4_001), default);
        await node.AddAsync(Retrieval("done", Created - 4_000), default);
        await node.AddAsync(Retrieval("fresh", Created), default);
        Assert.Equal("ancient", (await node.ClaimNextAsync(Created, default))?.Id);
        Assert.True(await node.FinishAsync(Account, "ancient", RetrievalStatus.Complete, [], Created, default));
        Assert.Equal("stuck", (await node.ClaimNextAsync(Created, default))?.Id);
        Assert.Equal("done", (await node.ClaimNextAsync(Created, default))?.Id);
        Assert.True(await node.FinishAsync(Account, "done", RetrievalStatus.Complete, [2], Created, default));

        var (timedOut, deleted) = await Backend.OpenTraceRetrievals().ExpireAsync(Created - 3_600, Created - 86_400, default);

        Assert.Equal((1, 1), (timedOut, deleted));
        Assert.Null(await node.FindAsync(Account, "ancient", default));
        Assert.Equal(RetrievalStatus.Timeout, (await node.FindAsync(Account, "stuck", default))!.Status);
        Assert.Equal(RetrievalStatus.Complete, (await node.FindAsync(Account, "done", default))!.Status);
        Assert.Equal(RetrievalStatus.Scheduled, (await node.FindAsync(Account, "fresh", default))!.Status);
    }

    private static TraceRetrieval Retrieval(string id, long created) =>
        new(Account, id, created, created - 600.25, created - 0.5, RetrievalStatus.Scheduled, "default/1/20261205", [1, 2, 3, (byte)id.Length], [42]);
}
