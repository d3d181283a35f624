using BenchmarkDotNet.Attributes;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>One durable <see cref="SqliteTraceStore.AppendAsync"/> of a sealed 4,000-segment chunk and its blind-index rows, on a temporary file.</summary>
[MemoryDiagnoser]
public class SqliteTraceStoreBenchmarks
{
    private const string Account = "123456789012";

    private string _directory = "";
    private SqliteTraceStore _store = null!;
    private byte[] _body = [];
    private long[] _hashes = [];
    private long _nextId;

    [GlobalSetup]
    public void Setup()
    {
        var segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents());
        var dataKey = BenchmarkCorpus.DataKey();
        _body = ChunkCodec.Seal(Account, 1, dataKey, segments);
        var indexKey = new byte[32];
        _hashes = segments.Select(s => TraceIndexHasher.Hash(indexKey, s.TraceId)).Distinct().ToArray();
        _directory = Directory.CreateTempSubdirectory("tracevault-bench-").FullName;
        _store = new SqliteTraceStore(new SqliteDatabase(Path.Combine(_directory, SqliteDatabase.FileName)), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "SqliteTraceStore.Append (1 chunk of 4,000 segments, durable)")]
    public async Task Append()
    {
        var id = ++_nextId;
        await _store.AppendAsync([new StoredChunk(id, Account, ChunkCodec.CurrentFormat, 1_764_331_200, 1_764_331_260, "default/1/20261128", _body, _hashes.Select(h => h + id).ToArray())], CancellationToken.None);
    }
}
