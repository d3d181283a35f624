using Microsoft.Extensions.Logging.Abstractions;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Traces;
using static Tracevault.Storage.Tests.Traces.CompressionDictionaryTests;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>
/// Compression dictionaries in a store: trained on the account's own segments under one data key, sealed under that key, used
/// for a limited time, removed by retention once unused; a store that refuses one loses no segment.
/// </summary>
public abstract class CompressionDictionaryContract : StorageContract
{
    private const string Account = "111122223333";
    private const long Day = 1_764_331_200;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly DefaultDataKeys _keys;
    private ITraceStore? _store;

    protected CompressionDictionaryContract() => _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);

    private ITraceStore Store => _store ??= Backend.OpenTraceStore();


    [Fact]
    public async Task StoreAsync_EnoughSegmentsUnderOneDataKey_LaterChunksUseADictionarySealedUnderIt_AndEverySegmentReadsBack()
    {
        await using var writer = new ChunkWriter(Store, _keys, _keys, new TraceStoreOptions(), _time);

        var written = await WriteUntilADictionaryIsUsedAsync(writer, 0);

        var chunks = await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None);
        Assert.Contains(chunks, c => c.DictionaryId == 0);
        var stored = await Store.FindDictionaryAsync(Account, chunks.Max(c => c.DictionaryId), CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(_keys.ForSealing(Account).Reference, stored.DataKeyReference);
        Assert.DoesNotContain("shop.example", Encoding.UTF8.GetString(stored.SealedBytes), StringComparison.Ordinal);
        var read = await new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadRangeAsync(Account, 0, long.MaxValue, Caller.ForService(Account, "xray.amazonaws.com"), CancellationToken.None);
        Assert.Equal(Texts(written).Order(StringComparer.Ordinal), Texts(read.Values.SelectMany(s => s)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreAsync_DictionaryTheStoreRefuses_StoresEverySegmentWithoutOne_AndLogsWhyWithoutTraceData()
    {
        using var logs = new CapturingLoggerProvider();
        var written = new List<ChunkSegment>();
        await using (var writer = new ChunkWriter(new DictionaryRefusingStore(Store), _keys, _keys, new TraceStoreOptions(), _time, logs.CreateLogger("Tracevault.Storage.Traces.ChunkWriter")))
        {
            // About 1 MB of documents: the samples of more than one training.
            for (var round = 0; round < 40; round++)
            {
                var batch = Documents(round * 50, 50);
                Assert.DoesNotContain(await StoreAsync(writer, batch), c => c.DictionaryId != 0);
                written.AddRange(batch);
            }
        }

        var failures = logs.Lines.Where(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("compression dictionary", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, line => Assert.Contains(Account, line, StringComparison.Ordinal));
        Assert.Contains(failures, line => line.Contains("the store is full", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("shop.example", StringComparison.Ordinal) || line.Contains("checkout", StringComparison.Ordinal));
        var read = await new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadRangeAsync(Account, 0, long.MaxValue, Caller.ForService(Account, "xray.amazonaws.com"), CancellationToken.None);
        Assert.Equal(Texts(written).Order(StringComparer.Ordinal), Texts(read.Values.SelectMany(s => s)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreAsync_NewDataKeyOrDictionaryPastItsLifetime_SealsWithoutTheOldDictionary()
    {
        await using var writer = new ChunkWriter(Store, _keys, _keys, new TraceStoreOptions(), _time);
        await WriteUntilADictionaryIsUsedAsync(writer, 0);
        var first = (await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Max(c => c.DictionaryId);

        // Past its lifetime, the same data key seals without it until a new one is trained on newer segments.
        _time.Advance(DictionaryLifetime + TimeSpan.FromMinutes(1));
        Assert.Equal(0, Assert.Single(await StoreAsync(writer, Documents(5000, 20))).DictionaryId);

        // A new data key (the default key changes daily) learns only from what it seals itself.
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, Assert.Single(await StoreAsync(writer, Documents(6000, 20))).DictionaryId);
        await WriteUntilADictionaryIsUsedAsync(writer, 7000);
        var second = (await Store.FindDictionaryAsync(Account, (await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Where(c => c.DictionaryId != first).Max(c => c.DictionaryId), CancellationToken.None))!;
        Assert.NotEqual(first, second.Id);
        Assert.Equal(_keys.ForSealing(Account).Reference, second.DataKeyReference);
        Assert.NotEqual((await Store.FindDictionaryAsync(Account, first, CancellationToken.None))!.DataKeyReference, second.DataKeyReference);
    }

    [Fact]
    public async Task ForSealing_MoreAccountsCollectingThanTheBudgetHolds_OthersWaitUntilOneHasTrained()
    {
        var trainer = new DictionaryTrainer(Store, _time, NullLogger.Instance, sampleBudgetBytes: 2 * 256 * 1024);
        var accounts = new[] { "100000000001", "100000000002", "100000000003" };
        var batch = Documents(0, 100);
        // Samples are the text frames hold: documents without the values kept in columns.
        var batchBytes = batch.Sum(s => (long)SegmentFieldEncoder.Sample(s.Document.Span, s.TraceId).Length);

        foreach (var account in accounts)
        {
            Assert.Same(CompressionDictionary.None, trainer.ForSealing(account, _keys.ForSealing(account), batch));
        }

        // Room for two accounts' samples: the third holds none until one of the two has trained.
        Assert.Equal(2 * batchBytes, trainer.SampleBytesHeld);
        for (var i = 1; trainer.SampleBytesHeld > batchBytes; i++)
        {
            Assert.True(i < 10, "the first account never had enough to train");
            trainer.ForSealing(accounts[0], _keys.ForSealing(accounts[0]), Documents(i * 100, 100));
        }

        await trainer.WhenIdle();
        Assert.NotEqual(CompressionDictionary.None, trainer.ForSealing(accounts[0], _keys.ForSealing(accounts[0]), batch));
        trainer.ForSealing(accounts[2], _keys.ForSealing(accounts[2]), batch);
        Assert.Equal(2 * batchBytes, trainer.SampleBytesHeld);
    }

    [Fact]
    public async Task DeleteOlderThan_OldDictionaryNoChunkUses_IsRemovedTheRoundAfter_UsedAndNewOnesKept()
    {
        var key = _keys.ForSealing(Account);
        var samples = Documents(0, 600).Select(s => s.Document.ToArray()).ToList();
        var (old, used, fresh) = (CompressionDictionary.Train(key.Reference, samples, 32 * 1024), CompressionDictionary.Train(key.Reference, samples, 32 * 1024), CompressionDictionary.Train(key.Reference, samples, 32 * 1024));
        await Store.AddDictionaryAsync(old.Seal(Account, key, Day - 7200), CancellationToken.None);
        await Store.AddDictionaryAsync(used.Seal(Account, key, Day - 7200), CancellationToken.None);
        await Store.AddDictionaryAsync(fresh.Seal(Account, key, Day), CancellationToken.None);
        await Store.AppendAsync([Chunk(1, Day - 7200, key, old), Chunk(2, Day, key, used)], CancellationToken.None);

        // The round that deletes the old dictionary's last chunk keeps the dictionary (a read may still be about to load it);
        // the next round, an hour later, deletes it.
        Assert.Equal(1, await Store.DeleteOlderThanAsync(Day - 3600, CancellationToken.None));
        Assert.NotNull(await Store.FindDictionaryAsync(Account, old.Id, CancellationToken.None));
        Assert.Equal(0, await Store.DeleteOlderThanAsync(Day - 1, CancellationToken.None));

        Assert.Null(await Store.FindDictionaryAsync(Account, old.Id, CancellationToken.None));
        Assert.NotNull(await Store.FindDictionaryAsync(Account, used.Id, CancellationToken.None));
        Assert.NotNull(await Store.FindDictionaryAsync(Account, fresh.Id, CancellationToken.None));
    }

    /// <summary>The writer's dictionary lifetime, which the test outlives with a fake clock.</summary>
    private static TimeSpan DictionaryLifetime => TimeSpan.FromMinutes(30);

    /// <summary>Writes batches of 50 until the newest chunk names a dictionary (training runs in the background); returns what it wrote.</summary>
    private async Task<List<ChunkSegment>> WriteUntilADictionaryIsUsedAsync(ChunkWriter writer, int first)
    {
        var written = new List<ChunkSegment>();
        for (var round = 0; round < 400; round++)
        {
            var batch = Documents(first + (round * 50), 50);
            var chunks = await StoreAsync(writer, batch);
            written.AddRange(batch);
            if (chunks.Any(c => c.DictionaryId != 0))
            {
                return written;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }

        Assert.Fail("No chunk was sealed with a dictionary after 20,000 segments.");
        return written;
    }

    /// <summary>Stores segments and returns the chunks that write appended.</summary>
    private async Task<List<StoredChunk>> StoreAsync(ChunkWriter writer, List<ChunkSegment> segments)
    {
        var before = (await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(c => c.Id).ToHashSet();
        Assert.True((await writer.StoreAsync(Account, segments, CancellationToken.None)).IsStored);
        return [.. (await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Where(c => !before.Contains(c.Id))];
    }

    private static StoredChunk Chunk(long id, long minute, DataKey key, CompressionDictionary dictionary) =>
        new(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, Documents(0, 3), dictionary), [id]) { DictionaryId = dictionary.Id };

    /// <summary>A store that keeps everything but dictionaries, as one whose disk filled up at the wrong moment.</summary>
    private sealed class DictionaryRefusingStore(ITraceStore store) : ITraceStore
    {
        public Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken) => store.NewChunkIdsAsync(count, cancellationToken);

        public Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken) => store.AppendAsync(chunks, cancellationToken);

        public Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken) => store.FindByTraceHashesAsync(accountId, traceHashes, cancellationToken);

        public Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken) => store.FindInRangeAsync(accountId, fromSecond, toSecond, cancellationToken);

        public Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => store.OpenSnapshotAsync(cancellationToken);

        public Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken) => throw new IOException("the store is full");

        public Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken) => store.FindDictionaryAsync(accountId, id, cancellationToken);

        public Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken) => store.DeleteOlderThanAsync(beforeSecond, cancellationToken);

        public Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken) => store.DataKeyUsageAsync(cancellationToken);
    }

}
