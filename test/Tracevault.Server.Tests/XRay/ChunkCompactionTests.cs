using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The writer merges the chunks it committed into full ones: atomically, under their own data key, never losing or doubling a segment.</summary>
public sealed class ChunkCompactionTests : IDisposable
{
    private const string Account = "111122223333";
    private const string OtherAccount = "444455556666";
    private const long Day = 1_764_331_200;

    private static readonly Caller Reader = new(Account, $"arn:aws:iam::{Account}:root", "root", null, []);
    private static readonly string[] Traces = ["1-6929e300-000000000000000000000001", "1-6929e300-000000000000000000000002", "1-6929e300-000000000000000000000003"];

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-compaction-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly DefaultDataKeys _keys;
    private readonly ObservedStore _store;

    public ChunkCompactionTests()
    {
        _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);
        _store = new ObservedStore(new SqliteTraceStore(new SqliteDatabase(Path.Combine(_directory, SqliteDatabase.FileName))));
    }

    [Fact]
    public async Task DisposeAsync_SmallChunksCommitted_MergesThemIntoOneAndEverySegmentReadsExactlyOnce()
    {
        var written = new List<string>();
        await using (var writer = Writer(_keys))
        {
            written.AddRange(await WriteSmallChunksAsync(writer, Account, 6));
            Assert.Equal(6, Chunks(Account));
        }

        Assert.Equal(1, Chunks(Account));
        Assert.Single(_store.Replaced);
        Assert.Equal(_store.Appended.Select(c => c.Id).Order(), _store.Replaced[0].Replaced.Order());
        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public async Task StoreAsync_AFullChunksWorthCommitted_MergesWithoutWaitingForTheDelay()
    {
        await using var writer = Writer(_keys, maxSegmentsPerChunk: 6);

        var written = await WriteSmallChunksAsync(writer, Account, 3);
        await _store.ReplacedOnce.Task.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, Chunks(Account));
        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public async Task StoreAsync_MergeDelayPasses_MergesWhatIsHeld()
    {
        await using var writer = Writer(_keys);
        var written = await WriteSmallChunksAsync(writer, Account, 2);
        Assert.False(_store.ReplacedOnce.Task.IsCompleted);

        // The merger may still be on its way to its timer when the clock moves: move it again until the merge happens.
        for (var i = 0; i < 600 && !_store.ReplacedOnce.Task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(31));
            await Task.WhenAny(_store.ReplacedOnce.Task, Task.Delay(100));
        }

        Assert.True(_store.ReplacedOnce.Task.IsCompleted);

        Assert.Equal(1, Chunks(Account));
        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public async Task DisposeAsync_MergedChunk_KeepsTheSmallChunksDataKeyAndCoversTheirTimes()
    {
        var written = new List<string>();
        await using (var writer = Writer(_keys))
        {
            written.AddRange(await WriteSmallChunksAsync(writer, Account, 3));

            // The next day's key seals what comes next; what was sealed under today's key stays under it.
            _time.Advance(TimeSpan.FromDays(1));
            written.AddRange(await WriteSmallChunksAsync(writer, Account, 2, "tomorrow"));
        }

        var usage = _store.DataKeyUsage();
        Assert.Equal([("default/1/20251128", 1), ("default/1/20251129", 1)], usage.Select(u => (u.DataKeyReference, u.Chunks)).Order());
        Assert.Equal(2, _store.Replaced.Count);
        foreach (var (merged, replaced) in _store.Replaced)
        {
            var small = _store.Appended.Where(c => replaced.Contains(c.Id)).ToList();
            Assert.All(small, c => Assert.Equal(merged.DataKeyReference, c.DataKeyReference));
            Assert.Equal(small.Min(c => c.MinTime), merged.MinTime);
            Assert.Equal(small.Max(c => c.MaxTime), merged.MaxTime);
        }

        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public async Task DisposeAsync_KeyBecameUnusableBeforeTheMerge_LeavesTheSmallChunksAndSealsNothing()
    {
        var keys = new StoppableKeys(_keys);
        var written = new List<string>();
        await using (var writer = Writer(keys))
        {
            written.AddRange(await WriteSmallChunksAsync(writer, Account, 4));
            await WriteSmallChunksAsync(writer, OtherAccount, 2);
            keys.Stopped = true;
        }

        Assert.Equal(4, Chunks(Account));
        Assert.Equal(1, Chunks(OtherAccount));
        Assert.All(_store.Replaced, r => Assert.Equal(OtherAccount, r.Merged.AccountId));
        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public async Task DisposeAsync_SwapNeverHappens_SmallChunksAloneReadCorrectly()
    {
        // As if the process died before the swap: the merge is sealed, but never reaches the database.
        _store.FailReplace = true;
        var written = new List<string>();
        await using (var writer = Writer(_keys))
        {
            written.AddRange(await WriteSmallChunksAsync(writer, Account, 5));
        }

        Assert.Equal(5, Chunks(Account));
        AssertEachSegmentReadOnce(written);
    }

    [Fact]
    public void Replace_AReplacedChunkIsGone_ChangesNothing()
    {
        var key = _keys.ForSealing(Account);
        var old = Chunk(1, Day - 7200, key);
        var recent = Chunk(2, Day, key);
        _store.Append([old, recent]);
        Assert.Equal(1, _store.DeleteOlderThan(Day - 3600));

        Assert.False(_store.Replace(Chunk(3, Day, key), [1, 2]));

        using var snapshot = _store.OpenSnapshot();
        Assert.Equal([2L], snapshot.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
    }

    [Fact]
    public void OpenSnapshot_ChunksMergedAfterItsFirstRead_StillFindsAndLoadsThePartsAndNotTheMerged()
    {
        var key = _keys.ForSealing(Account);
        _store.Append([Chunk(1, Day, key), Chunk(2, Day, key)]);

        using (var snapshot = _store.OpenSnapshot())
        {
            Assert.Equal([1L, 2L], snapshot.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id).Order());
            Assert.True(_store.Replace(Chunk(3, Day, key), [1, 2]));

            Assert.Equal([1L, 2L], snapshot.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id).Order());
            Assert.Equal([1L, 2L], snapshot.Load(Account, [1, 2, 3]).Select(c => c.Id).Order());
        }

        using var after = _store.OpenSnapshot();
        Assert.Equal([3L], after.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private ChunkWriter Writer(IDataKeySource keys, int maxSegmentsPerChunk = 4000) =>
        new(_store, keys, _keys, new TraceStoreOptions { MaxSegmentsPerChunk = maxSegmentsPerChunk, MaxMergeDelay = TimeSpan.FromSeconds(30) }, _time);

    /// <summary>Writes one at a time, so each write is a commit, a chunk, of its own; returns the segment ids.</summary>
    private static async Task<List<string>> WriteSmallChunksAsync(ChunkWriter writer, string accountId, int chunks, string prefix = "s")
    {
        var ids = new List<string>();
        for (var c = 0; c < chunks; c++)
        {
            var segments = Enumerable.Range(0, 2).Select(i => ChunkWriterTests.StoredSegment(
                Traces[(c + i) % Traces.Length], $"{prefix}{c}-{i}", Day + c, Day + c + 1)).ToList();
            Assert.True((await writer.StoreAsync(accountId, segments, CancellationToken.None)).IsStored);
            ids.AddRange(segments.Select(s => s.Id));
        }

        return ids;
    }

    private int Chunks(string accountId) => _store.DataKeyUsage().Where(u => u.AccountId == accountId).Sum(u => u.Chunks);

    private void AssertEachSegmentReadOnce(List<string> written)
    {
        var reader = new TraceReader(_store, _keys, _keys);
        var byId = reader.ReadTraces(Account, Traces, Reader).SelectMany(t => t.Value).Select(s => s.Id);
        var byRange = reader.ReadRange(Account, Day - 60, Day + 3600, Reader).SelectMany(t => t.Value).Select(s => s.Id);
        Assert.Equal(written.Order(StringComparer.Ordinal), byId.Order(StringComparer.Ordinal));
        Assert.Equal(written.Order(StringComparer.Ordinal), byRange.Order(StringComparer.Ordinal));
    }

    private static StoredChunk Chunk(long id, long minute, DataKey key) =>
        new(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, []), [id]);

    /// <summary>The SQLite store, with what was appended and replaced recorded; its swap can be made to fail.</summary>
    private sealed class ObservedStore(SqliteTraceStore store) : ITraceStore
    {
        private readonly Lock _lock = new();
        private readonly List<StoredChunk> _appended = [];
        private readonly List<(StoredChunk Merged, IReadOnlyList<long> Replaced)> _replaced = [];

        public bool FailReplace { get; set; }

        public TaskCompletionSource ReplacedOnce { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<StoredChunk> Appended
        {
            get
            {
                lock (_lock)
                {
                    return [.. _appended];
                }
            }
        }

        public List<(StoredChunk Merged, IReadOnlyList<long> Replaced)> Replaced
        {
            get
            {
                lock (_lock)
                {
                    return [.. _replaced];
                }
            }
        }

        public void Append(IReadOnlyList<StoredChunk> chunks)
        {
            store.Append(chunks);
            lock (_lock)
            {
                _appended.AddRange(chunks);
            }
        }

        public bool Replace(StoredChunk merged, IReadOnlyList<long> replaced)
        {
            if (FailReplace)
            {
                throw new IOException("the process died");
            }

            var swapped = store.Replace(merged, replaced);
            lock (_lock)
            {
                _replaced.Add((merged, replaced));
            }

            ReplacedOnce.TrySetResult();
            return swapped;
        }

        public IReadOnlyList<StoredChunk> FindByTraceHashes(string accountId, IReadOnlyCollection<long> traceHashes) => store.FindByTraceHashes(accountId, traceHashes);

        public IReadOnlyList<StoredChunk> FindInRange(string accountId, long fromSecond, long toSecond) => store.FindInRange(accountId, fromSecond, toSecond);

        public ITraceSnapshot OpenSnapshot() => store.OpenSnapshot();


        public int DeleteOlderThan(long beforeSecond) => store.DeleteOlderThan(beforeSecond);

        public IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)> DataKeyUsage() => store.DataKeyUsage();
    }

    /// <summary>Default keys, until storing stops for <see cref="Account"/> (its KMS key disabled, say).</summary>
    private sealed class StoppableKeys(DefaultDataKeys keys) : IDataKeySource
    {
        public volatile bool Stopped;

        public DataKey ForSealing(string accountId) => Stopped && accountId == Account
            ? throw new StoringStoppedException($"arn:aws:kms:us-east-1:{Account}:key/disabled", "DisabledException: the key is disabled")
            : keys.ForSealing(accountId);

        public DataKey ForOpening(string accountId, string reference, Caller reader) => keys.ForOpening(accountId, reference, reader);
    }
}
