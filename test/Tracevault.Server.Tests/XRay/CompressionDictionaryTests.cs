using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// Chunk formats 3 and 4: frames compressed with a dictionary trained on the account's own segments under one data key, sealed
/// under that key, used for a limited time, removed by retention once unused; and format 2 and 3 bodies, written before, still open.
/// </summary>
public sealed class CompressionDictionaryTests : IDisposable
{
    private const string Account = "111122223333";
    private const long Day = 1_764_331_200;

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-dictionary-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly DefaultDataKeys _keys;
    private readonly SqliteTraceStore _store;

    public CompressionDictionaryTests()
    {
        _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);
        _store = new SqliteTraceStore(new SqliteDatabase(Path.Combine(_directory, SqliteDatabase.FileName)));
    }

    [Fact]
    public void Seal_WithADictionary_OpensOnlyWithThatDictionary_AndASmallChunkTakesFewerBytes()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var segments = Documents(1000, 5);

        var withDictionary = ChunkCodec.Seal(Account, 5, key, segments, dictionary);
        var without = ChunkCodec.Seal(Account, 5, key, segments);
        var chunk = new StoredChunk(5, Account, ChunkCodec.CurrentFormat, 0, 60, key.Reference, withDictionary, []);

        Assert.Equal(5, ChunkCodec.CurrentFormat);
        Assert.True(withDictionary.Length * 3 < without.Length * 2, $"{withDictionary.Length} bytes with the dictionary, {without.Length} without");
        Assert.Equal(Texts(segments), Texts(ChunkCodec.Open(chunk, key, id => id == dictionary.Id ? dictionary : CompressionDictionary.None)));
        Assert.Throws<InvalidOperationException>(() => ChunkCodec.Open(chunk, key));
        var other = CompressionDictionary.Train(key.Reference, Documents(2000, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        Assert.Throws<InvalidDataException>(() => ChunkCodec.Open(chunk, key, _ => other));
    }

    [Fact]
    public void OpenStoredDictionary_MovedToAnotherAccountIdOrDataKey_Throws()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var stored = dictionary.Seal(Account, key, Day);

        Assert.Equal(dictionary.Id, CompressionDictionary.Open(stored, key).Id);
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { AccountId = "444455556666" }, key));
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { Id = stored.Id + 1 }, key));
        var otherKey = new DataKey("default/1/20251129", key.Key, null);
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { DataKeyReference = otherKey.Reference }, otherKey));
        Assert.Throws<InvalidOperationException>(() => dictionary.Seal(Account, otherKey, Day));
    }

    [Fact]
    public async Task StoreAsync_EnoughSegmentsUnderOneDataKey_LaterChunksUseADictionarySealedUnderIt_AndEverySegmentReadsBack()
    {
        await using var writer = new ChunkWriter(_store, _keys, _keys, new TraceStoreOptions(), _time);

        var written = await WriteUntilADictionaryIsUsedAsync(writer, 0);

        var chunks = _store.FindInRange(Account, 0, long.MaxValue);
        Assert.Contains(chunks, c => c.DictionaryId == 0);
        var stored = _store.FindDictionary(Account, chunks.Max(c => c.DictionaryId));
        Assert.NotNull(stored);
        Assert.Equal(_keys.ForSealing(Account).Reference, stored.DataKeyReference);
        Assert.DoesNotContain("shop.example", Encoding.UTF8.GetString(stored.SealedBytes), StringComparison.Ordinal);
        var read = new TraceReader(_store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadRange(Account, 0, long.MaxValue, Caller.ForService(Account, "xray.amazonaws.com"));
        Assert.Equal(Texts(written).Order(StringComparer.Ordinal), Texts(read.Values.SelectMany(s => s)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreAsync_DictionaryTheStoreRefuses_StoresEverySegmentWithoutOne_AndLogsWhyWithoutTraceData()
    {
        using var logs = new CapturingLoggerProvider();
        var written = new List<ChunkSegment>();
        await using (var writer = new ChunkWriter(new DictionaryRefusingStore(_store), _keys, _keys, new TraceStoreOptions(), _time, logs.CreateLogger("Tracevault.Storage.Traces.ChunkWriter")))
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
        var read = new TraceReader(_store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadRange(Account, 0, long.MaxValue, Caller.ForService(Account, "xray.amazonaws.com"));
        Assert.Equal(Texts(written).Order(StringComparer.Ordinal), Texts(read.Values.SelectMany(s => s)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreAsync_NewDataKeyOrDictionaryPastItsLifetime_SealsWithoutTheOldDictionary()
    {
        await using var writer = new ChunkWriter(_store, _keys, _keys, new TraceStoreOptions(), _time);
        await WriteUntilADictionaryIsUsedAsync(writer, 0);
        var first = _store.FindInRange(Account, 0, long.MaxValue).Max(c => c.DictionaryId);

        // Past its lifetime, the same data key seals without it until a new one is trained on newer segments.
        _time.Advance(DictionaryLifetime + TimeSpan.FromMinutes(1));
        Assert.Equal(0, Assert.Single(await StoreAsync(writer, Documents(5000, 20))).DictionaryId);

        // A new data key (the default key changes daily) learns only from what it seals itself.
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, Assert.Single(await StoreAsync(writer, Documents(6000, 20))).DictionaryId);
        await WriteUntilADictionaryIsUsedAsync(writer, 7000);
        var second = _store.FindDictionary(Account, _store.FindInRange(Account, 0, long.MaxValue).Where(c => c.DictionaryId != first).Max(c => c.DictionaryId))!;
        Assert.NotEqual(first, second.Id);
        Assert.Equal(_keys.ForSealing(Account).Reference, second.DataKeyReference);
        Assert.NotEqual(_store.FindDictionary(Account, first)!.DataKeyReference, second.DataKeyReference);
    }

    [Fact]
    public async Task ForSealing_MoreAccountsCollectingThanTheBudgetHolds_OthersWaitUntilOneHasTrained()
    {
        var trainer = new DictionaryTrainer(_store, _time, NullLogger.Instance, sampleBudgetBytes: 2 * 256 * 1024);
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
    public void DeleteOlderThan_OldDictionaryNoChunkUses_IsRemovedTheRoundAfter_UsedAndNewOnesKept()
    {
        var key = _keys.ForSealing(Account);
        var samples = Documents(0, 600).Select(s => s.Document.ToArray()).ToList();
        var (old, used, fresh) = (CompressionDictionary.Train(key.Reference, samples, 32 * 1024), CompressionDictionary.Train(key.Reference, samples, 32 * 1024), CompressionDictionary.Train(key.Reference, samples, 32 * 1024));
        _store.AddDictionary(old.Seal(Account, key, Day - 7200));
        _store.AddDictionary(used.Seal(Account, key, Day - 7200));
        _store.AddDictionary(fresh.Seal(Account, key, Day));
        _store.Append([Chunk(1, Day - 7200, key, old), Chunk(2, Day, key, used)]);

        // The round that deletes the old dictionary's last chunk keeps the dictionary (a read may still be about to load it);
        // the next round, an hour later, deletes it.
        Assert.Equal(1, _store.DeleteOlderThan(Day - 3600));
        Assert.NotNull(_store.FindDictionary(Account, old.Id));
        Assert.Equal(0, _store.DeleteOlderThan(Day - 1));

        Assert.Null(_store.FindDictionary(Account, old.Id));
        Assert.NotNull(_store.FindDictionary(Account, used.Id));
        Assert.NotNull(_store.FindDictionary(Account, fresh.Id));
    }

    [Fact]
    public void Open_Format2Body_WrittenBeforeFormat3_StillOpens()
    {
        var key = _keys.ForSealing(Account);
        var segments = Documents(0, 30);
        var chunk = new StoredChunk(8, Account, 2, 0, 60, key.Reference, LegacyChunkBodies.Format2(Account, 8, key, segments), []);

        var opened = ChunkCodec.Open(chunk, key);

        Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(opened));
        Assert.Equal(segments.Select(s => s.Id).Order(StringComparer.Ordinal), opened.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Open_Format3Body_WrittenBeforeFormat4_StillOpens()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var segments = Documents(1000, 30);
        var chunk = new StoredChunk(8, Account, 3, 0, 60, key.Reference, LegacyChunkBodies.Format3(Account, 8, key, segments, dictionary), []) { DictionaryId = dictionary.Id };

        var opened = ChunkCodec.Open(chunk, key, id => id == dictionary.Id ? dictionary : CompressionDictionary.None);

        Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(opened));
        Assert.Equal(segments.Select(s => s.Id).Order(StringComparer.Ordinal), opened.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
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
        var before = _store.FindInRange(Account, 0, long.MaxValue).Select(c => c.Id).ToHashSet();
        Assert.True((await writer.StoreAsync(Account, segments, CancellationToken.None)).IsStored);
        return [.. _store.FindInRange(Account, 0, long.MaxValue).Where(c => !before.Contains(c.Id))];
    }

    private static StoredChunk Chunk(long id, long minute, DataKey key, CompressionDictionary dictionary) =>
        new(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, Documents(0, 3), dictionary), [id]) { DictionaryId = dictionary.Id };

    /// <summary>A store that keeps everything but dictionaries, as one whose disk filled up at the wrong moment.</summary>
    private sealed class DictionaryRefusingStore(ITraceStore store) : ITraceStore
    {
        public void Append(IReadOnlyList<StoredChunk> chunks) => store.Append(chunks);

        public IReadOnlyList<StoredChunk> FindByTraceHashes(string accountId, IReadOnlyCollection<long> traceHashes) => store.FindByTraceHashes(accountId, traceHashes);

        public IReadOnlyList<StoredChunk> FindInRange(string accountId, long fromSecond, long toSecond) => store.FindInRange(accountId, fromSecond, toSecond);

        public ITraceSnapshot OpenSnapshot() => store.OpenSnapshot();

        public void AddDictionary(StoredDictionary dictionary) => throw new IOException("the store is full");

        public StoredDictionary? FindDictionary(string accountId, long id) => store.FindDictionary(accountId, id);

        public int DeleteOlderThan(long beforeSecond) => store.DeleteOlderThan(beforeSecond);

        public IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)> DataKeyUsage() => store.DataKeyUsage();
    }

    /// <summary>Segments shaped like an SDK's: the same fields and services, varying ids, times, URLs and values; ten per trace.</summary>
    private static List<ChunkSegment> Documents(int first, int count) => Enumerable.Range(first, count).Select(i =>
    {
        var traceId = $"1-692a1c40-{i / 10:x24}";
        var id = $"{i:x16}";
        double start = Day + i;
        var json = string.Create(CultureInfo.InvariantCulture, $$$$"""
            {"name":"checkout","id":"{{{{id}}}}","trace_id":"{{{{traceId}}}}","start_time":{{{{start:R}}}},"end_time":{{{{start + 0.25:R}}}},"http":{"request":{"method":"GET","url":"https://shop.example/orders/{{{{i * 7919 % 100_000}}}}"},"response":{"status":{{{{(i % 7 == 0 ? 500 : 200)}}}}}},"aws":{"xray":{"sdk":"X-Ray for Node.js","sdk_version":"3.10.1"}},"annotations":{"customer_tier":"{{{{(i % 3 == 0 ? "gold" : "silver")}}}}"},"metadata":{"default":{"items":{{{{i % 13}}}},"digest":"{{{{Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i)))}}}}"}}}
            """);
        return new ChunkSegment(traceId, id, false, start, start + 0.25, Encoding.UTF8.GetBytes(json));
    }).ToList();

    private static List<string> Texts(IEnumerable<ChunkSegment> segments) => segments.Select(s => Encoding.UTF8.GetString(s.Document.Span)).ToList();
}
