using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>A client process: sends its share of the corpus with <c>PutTraceSegments</c>, batches of 50, several requests in flight.</summary>
internal static class HttpIngestClient
{
    private static readonly JsonWriterOptions BodyOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var share = CorpusShare.From(args);
        var endpoint = new Uri(args.Required("endpoint"));
        var signer = new XRaySigner(endpoint, AdminCredentials.Read(args.Required("credentials")), args.String("region") ?? "us-east-1");
        var batchSize = args.Int("batch", 50);
        var concurrency = args.Int("concurrency", 4);

        // Everything but signing is prepared before GO, so the clients spend their CPU on the wire, not on the corpus.
        var batches = Batches(share.Documents(), batchSize).Select(b => (Body: b.Body, Count: b.Count, Hash: XRaySigner.PayloadHash(b.Body))).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };

        await ClientProtocol.WaitForGoAsync().ConfigureAwait(false);
        var cpuAtGo = Environment.CpuUsage.TotalTime;
        var next = -1;
        long accepted = 0, unprocessed = 0, failed = 0, segments = 0;
        string? firstError = null;
        var latencies = new List<double>[concurrency];
        var acknowledgements = new List<Acknowledgement>[concurrency];
        var start = DateTimeOffset.UtcNow;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = [];
            var answered = acknowledgements[worker] = [];
            int index;
            while ((index = Interlocked.Increment(ref next)) < batches.Count)
            {
                var (body, count, hash) = batches[index];
                var clock = Stopwatch.StartNew();
                try
                {
                    using var request = signer.Post("/TraceSegments", body, hash);
                    using var response = await http.SendAsync(request).ConfigureAwait(false);
                    var text = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    mine.Add(clock.Elapsed.TotalMilliseconds);
                    answered.Add(new Acknowledgement(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), count));
                    Interlocked.Add(ref segments, count);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(text)[..Math.Min(300, text.Length)]}", null);
                        continue;
                    }

                    var refused = CountUnprocessed(text);
                    Interlocked.Add(ref unprocessed, refused);
                    Interlocked.Add(ref accepted, count - refused);
                }
                catch (HttpRequestException exception)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, exception.Message, null);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var end = DateTimeOffset.UtcNow;
        var all = latencies.SelectMany(l => l).ToList();
        await ClientProtocol.WriteResultAsync(new ClientResult(
            segments, accepted, unprocessed, batches.Count, failed, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(),
            Percentiles.Of(all, 50), Percentiles.Of(all, 99), (Environment.CpuUsage.TotalTime - cpuAtGo).TotalSeconds, firstError,
            acknowledgements.SelectMany(a => a).ToList())).ConfigureAwait(false);
        return 0;
    }

    private static IEnumerable<(byte[] Body, int Count)> Batches(IEnumerable<byte[]> documents, int batchSize)
    {
        var batch = new List<byte[]>(batchSize);
        foreach (var document in documents)
        {
            batch.Add(document);
            if (batch.Count == batchSize)
            {
                yield return (Body(batch), batch.Count);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            yield return (Body(batch), batch.Count);
        }
    }

    private static byte[] Body(List<byte[]> documents)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, BodyOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("TraceSegmentDocuments");
            foreach (var document in documents)
            {
                writer.WriteStringValue(System.Text.Encoding.UTF8.GetString(document));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static int CountUnprocessed(byte[] response)
    {
        using var json = JsonDocument.Parse(response);
        return json.RootElement.TryGetProperty("UnprocessedTraceSegments", out var list) ? list.GetArrayLength() : 0;
    }
}
