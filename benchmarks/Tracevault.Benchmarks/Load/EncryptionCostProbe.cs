using System.Diagnostics;
using System.Security.Cryptography;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// What sealing costs: the server's storage path in this process (<see cref="ChunkWriter"/> over a durable <see cref="SqliteTraceStore"/>
/// on a temporary file, the same corpus, concurrent producers storing batches as requests do), with AES-256-GCM and with a no-op
/// cipher, each path one writer warmed up first and kept. Each round runs the two back to back, then both at once for a window;
/// the ratio is the median of the runs at once. Each round also runs <see cref="SerialChunkWriter"/>, the writer as it was before
/// it was pipelined, with AES-256-GCM, so the writer's own gain is measured in the same run.
/// </summary>
/// <remarks>The no-op cipher exists only here: <see cref="ChunkCipher"/> and the constructor that takes one are internal to the storage
/// assembly and visible to this one alone, so no server option or command line can reach it.</remarks>
internal static class EncryptionCostProbe
{
    private const string Account = "123456789012";

    /// <summary>The <c>cost</c> command: the probe alone, on <c>--segments</c> corpus documents (default 200,000).</summary>
    public static int Run(HarnessArguments args)
    {
        var documents = new Corpus.CorpusGenerator(args.Int("seed", 42), DateTimeOffset.UtcNow).Documents(args.Int("segments", 200_000));
        var cost = Measure(documents, args.Int("producers", 8), args.Int("batch", 50), args.Int("rounds", 3));
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(cost));
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{cost.Ratio * 100:F1} % (median of the rounds' runs at once; back to back {cost.BackToBackRatio * 100:F1} %); best of each AES-256-GCM {cost.SealedSegmentsPerSecond:N0}/s, no-op cipher {cost.NoOpSegmentsPerSecond:N0}/s = {cost.BestRatio * 100:F1} %; serial writer before pipelining {cost.SerialSegmentsPerSecond:N0}/s (today's writer {cost.SealedSegmentsPerSecond / cost.SerialSegmentsPerSecond:F2}×)"));
        return 0;
    }

    public static EncryptionCost Measure(IReadOnlyList<byte[]> documents, int producers, int batch, int rounds)
    {
        var now = DateTimeOffset.UtcNow;
        var segments = documents.Select(document =>
        {
            var header = SegmentDocument.Parse(document, now).Header;
            return new ChunkSegment(header.TraceId, header.Id, header.InProgress, header.StartTime, header.EndTime ?? header.StartTime, document);
        }).ToList();
        var batches = segments.Chunk(batch).Select(b => (IReadOnlyList<ChunkSegment>)b).ToList();

        // One writer per path for the whole probe, as a server has: each is warmed up on the whole set first (JIT, tiering, SQLite,
        // and its compression dictionary, which a writer trains in the background from its first segments: a fresh writer a round
        // trained one inside the timed second of some rounds and not of others, and the pairs' ratios spread from 0.71 to 1.15).
        using var sealedPath = new ProbeWriter(AeadSealer.Seal, serial: false);
        using var plainPath = new ProbeWriter(NoOpSeal, serial: false);
        using var serialPath = new ProbeWriter(AeadSealer.Seal, serial: true);
        foreach (var path in new[] { sealedPath, plainPath, serialPath })
        {
            path.Run(batches, producers);
        }

        var sealedRates = new List<double>();
        var plainRates = new List<double>();
        var serialRates = new List<double>();
        var togetherRatios = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            // Each round is a pair run back to back, in alternating order, so neither cipher always runs second.
            (ProbeWriter Path, List<double> Rates)[] pair = [(sealedPath, sealedRates), (plainPath, plainRates)];
            foreach (var (path, rates) in round % 2 == 0 ? pair : pair.Reverse())
            {
                rates.Add(path.Run(batches, producers));
            }

            serialRates.Add(serialPath.Run(batches, producers));

            // Then both at once for the same window, sharing the machine: whatever its speed does then, it does to both.
            var together = new[] { sealedPath, plainPath }.Select(path => Task.Run(() => path.RunFor(batches, producers, TogetherWindow))).ToArray();
            Task.WaitAll(together);
            togetherRatios.Add(together[0].Result / together[1].Result);
        }

        // The machine's speed drifts between runs a second apart by more than sealing costs (the pairs' ratios spread over ±15 %);
        // the runs at once share its conditions, so their median is the figure. The back-to-back pairs' median and the best of
        // each are kept too.
        var pairRatios = sealedRates.Zip(plainRates, (sealedRate, plainRate) => sealedRate / plainRate).ToList();
        return new EncryptionCost(
            segments.Count, producers, batch, rounds, sealedRates, plainRates, serialRates,
            sealedRates.Max(), plainRates.Max(), serialRates.Max(), Median(togetherRatios), sealedRates.Max() / plainRates.Max(),
            togetherRatios, Median(pairRatios));
    }

    /// <summary>How long each round runs the two ciphers at once.</summary>
    private static readonly TimeSpan TogetherWindow = TimeSpan.FromSeconds(2);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The same layout and size as <see cref="AeadSealer.Seal"/>, so the store writes the same bytes, but no encryption.</summary>
    private static byte[] NoOpSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[AeadSealer.Overhead + plaintext.Length];
        output[0] = AeadSealer.FormatVersion;
        plaintext.CopyTo(output.AsSpan(1 + 12));
        return output;
    }

    /// <summary>One storage path of the probe: a writer with its cipher over a durable store in a temporary directory, kept across runs.</summary>
    private sealed class ProbeWriter : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-cost-").FullName;
        private readonly ChunkWriter? _writer;
        private readonly SerialChunkWriter? _serial;

        public ProbeWriter(ChunkCipher cipher, bool serial)
        {
            var store = new SqliteTraceStore(new SqliteDatabase(Path.Combine(_directory, SqliteDatabase.FileName)), TimeProvider.System);
            var keys = new DefaultDataKeys(new ServiceKey(1, RandomNumberGenerator.GetBytes(32)), TimeProvider.System);
            if (serial)
            {
                _serial = new SerialChunkWriter(store, keys, new TraceStoreOptions(), cipher);
            }
            else
            {
                _writer = new ChunkWriter(store, keys, keys, new TraceStoreOptions(), TimeProvider.System, cipher);
            }
        }

        /// <summary>Stores every batch once from concurrent producers; the rate, in segments per second.</summary>
        public double Run(List<IReadOnlyList<ChunkSegment>> batches, int producers) =>
            Drive(producers, (index, _) => index < batches.Count ? batches[index] : null);

        /// <summary>Stores batches from concurrent producers, round the set again and again, until <paramref name="window"/> has passed; the rate, in segments per second.</summary>
        public double RunFor(List<IReadOnlyList<ChunkSegment>> batches, int producers, TimeSpan window) =>
            Drive(producers, (index, clock) => clock.Elapsed < window ? batches[index % batches.Count] : null);

        /// <summary>Producers store the batches <paramref name="next"/> gives (by a shared count, and the run's clock) until it gives none.</summary>
        private double Drive(int producers, Func<int, Stopwatch, IReadOnlyList<ChunkSegment>?> next)
        {
            var taken = -1;
            long stored = 0;
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
            {
                while (next(Interlocked.Increment(ref taken), clock) is { } batch)
                {
                    if (_serial is not null)
                    {
                        await _serial.StoreAsync(Account, batch).ConfigureAwait(false);
                    }
                    else if (!(await _writer!.StoreAsync(Account, batch, CancellationToken.None).ConfigureAwait(false)).IsStored)
                    {
                        throw new InvalidOperationException("The probe's writes must be stored.");
                    }

                    Interlocked.Add(ref stored, batch.Count);
                }
            })).ToArray();
            Task.WaitAll(workers);
            return stored / clock.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            ((IAsyncDisposable?)_writer ?? _serial!).DisposeAsync().AsTask().GetAwaiter().GetResult();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>
/// The in-process storage rate with AES-256-GCM, with the no-op cipher, and of the pre-pipelining writer (segments/s per round, and the
/// best of each); the sealed-to-no-op ratio as the median of the rounds' runs of the two at once (<paramref name="Ratio"/>), as the
/// median of their back-to-back pairs, and as the ratio of the best of each.
/// </summary>
internal sealed record EncryptionCost(
    int Segments, int Producers, int Batch, int Rounds, IReadOnlyList<double> SealedRates, IReadOnlyList<double> NoOpRates, IReadOnlyList<double> SerialRates,
    double SealedSegmentsPerSecond, double NoOpSegmentsPerSecond, double SerialSegmentsPerSecond, double Ratio, double BestRatio,
    IReadOnlyList<double> TogetherRatios, double BackToBackRatio);
