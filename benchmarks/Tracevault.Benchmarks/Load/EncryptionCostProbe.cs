using System.Diagnostics;
using System.Security.Cryptography;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// What sealing costs: the server's storage path in this process (<see cref="ChunkWriter"/> over a durable <see cref="SqliteTraceStore"/>
/// on a temporary file, the same corpus, concurrent producers storing batches as requests do), once with AES-256-GCM and once with a
/// no-op cipher, alternately after a warm-up, best of each kept.
/// </summary>
/// <remarks>The no-op cipher exists only here: <see cref="ChunkCipher"/> and the constructor that takes one are internal to the storage
/// assembly and visible to this one alone, so no server option or command line can reach it.</remarks>
internal static class EncryptionCostProbe
{
    private const string Account = "123456789012";

    public static EncryptionCost Measure(IReadOnlyList<byte[]> documents, int producers, int batch, int rounds)
    {
        var now = DateTimeOffset.UtcNow;
        var segments = documents.Select(document =>
        {
            var header = SegmentDocument.Parse(document, now).Header;
            return new ChunkSegment(header.TraceId, header.Id, header.InProgress, header.StartTime, header.EndTime ?? header.StartTime, document);
        }).ToList();
        var batches = segments.Chunk(batch).Select(b => (IReadOnlyList<ChunkSegment>)b).ToList();

        // Warm up both paths (JIT, tiering, SQLite) on a slice before anything is timed.
        var warmUp = batches.Take(Math.Max(1, batches.Count / 10)).ToList();
        Run(warmUp, warmUp.Sum(b => b.Count), producers, AeadSealer.Seal);
        Run(warmUp, warmUp.Sum(b => b.Count), producers, NoOpSeal);

        var sealedRates = new List<double>();
        var plainRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            sealedRates.Add(Run(batches, segments.Count, producers, AeadSealer.Seal));
            plainRates.Add(Run(batches, segments.Count, producers, NoOpSeal));
        }

        return new EncryptionCost(segments.Count, producers, batch, rounds, sealedRates, plainRates, sealedRates.Max(), plainRates.Max(), sealedRates.Max() / plainRates.Max());
    }

    /// <summary>The same layout and size as <see cref="AeadSealer.Seal"/>, so the store writes the same bytes, but no encryption.</summary>
    private static byte[] NoOpSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[AeadSealer.Overhead + plaintext.Length];
        output[0] = AeadSealer.FormatVersion;
        plaintext.CopyTo(output.AsSpan(1 + 12));
        return output;
    }

    private static double Run(List<IReadOnlyList<ChunkSegment>> batches, int segments, int producers, ChunkCipher cipher)
    {
        var directory = Directory.CreateTempSubdirectory("tracevault-cost-").FullName;
        try
        {
            var store = new SqliteTraceStore(new SqliteDatabase(Path.Combine(directory, SqliteDatabase.FileName)));
            var keys = new DefaultDataKeys(new ServiceKey(1, RandomNumberGenerator.GetBytes(32)), TimeProvider.System);
            var writer = new ChunkWriter(store, keys, keys, new TraceStoreOptions(), cipher);
            var next = -1;
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < batches.Count)
                {
                    var outcome = await writer.StoreAsync(Account, batches[index], CancellationToken.None).ConfigureAwait(false);
                    if (!outcome.IsStored)
                    {
                        throw new InvalidOperationException("The probe's writes must be stored.");
                    }
                }
            })).ToArray();
            Task.WaitAll(workers);
            var seconds = clock.Elapsed.TotalSeconds;
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return segments / seconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>The in-process storage rate with AES-256-GCM and with the no-op cipher (segments/s per round), and the ratio of the best of each.</summary>
internal sealed record EncryptionCost(int Segments, int Producers, int Batch, int Rounds, IReadOnlyList<double> SealedRates, IReadOnlyList<double> NoOpRates, double SealedSegmentsPerSecond, double NoOpSegmentsPerSecond, double Ratio);
