using System.Diagnostics;
using System.Net.Http.Headers;
using Google.Protobuf;
using Tracevault.Benchmarks.Corpus;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// A client process for the OTLP phase: sends its share of the corpus as OpenTelemetry spans (<see cref="OtlpCorpus"/>), protobuf
/// <c>ExportTraceServiceRequest</c>s of 512 spans (the SDKs' batch span processor's default), unsigned from loopback to the OTLP/HTTP
/// port as an SDK with its defaults does, several exports in flight.
/// </summary>
internal static class OtlpIngestClient
{
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var share = CorpusShare.From(args);
        var endpoint = new Uri(new Uri(args.Required("endpoint")), "/v1/traces");
        var batchSize = args.Int("batch", 512);
        var concurrency = args.Int("concurrency", 4);

        // The bodies are encoded before GO, so the clients spend their CPU on the wire, not on the corpus.
        var (traces, services) = share.OtlpTraces();
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var resources = services.ToDictionary(s => s.Name, OtlpCorpus.Resource, StringComparer.Ordinal);
        var batches = Batches(traces.SelectMany(trace => OtlpCorpus.Spans(trace, byName)), batchSize, resources).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };

        await ClientProtocol.WaitForGoAsync().ConfigureAwait(false);
        var cpuAtGo = Environment.CpuUsage.TotalTime;
        var next = -1;
        long accepted = 0, rejected = 0, failed = 0, spans = 0;
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
                var (body, count) = batches[index];
                var clock = Stopwatch.StartNew();
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = Protobuf;
                    using var response = await http.PostAsync(endpoint, content).ConfigureAwait(false);
                    var answer = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    mine.Add(clock.Elapsed.TotalMilliseconds);
                    answered.Add(new Acknowledgement(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), count));
                    Interlocked.Add(ref spans, count);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}: {Describe(answer)}", null);
                        continue;
                    }

                    var partial = ExportTraceServiceResponse.Parser.ParseFrom(answer).PartialSuccess;
                    var refused = partial?.RejectedSpans ?? 0;
                    if (refused > 0)
                    {
                        Interlocked.CompareExchange(ref firstError, partial!.ErrorMessage, null);
                    }

                    Interlocked.Add(ref rejected, refused);
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
            spans, accepted, rejected, batches.Count, failed, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(),
            Percentiles.Of(all, 50), Percentiles.Of(all, 99), (Environment.CpuUsage.TotalTime - cpuAtGo).TotalSeconds, firstError,
            acknowledgements.SelectMany(a => a).ToList(), batches.Sum(b => (long)b.Body.Length))).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Consecutive spans in exports of <paramref name="batchSize"/>, one <c>ResourceSpans</c> per service in each.</summary>
    private static IEnumerable<(byte[] Body, int Count)> Batches(IEnumerable<(CorpusService Service, Span Span)> spans, int batchSize, Dictionary<string, Resource> resources)
    {
        var batch = new List<(CorpusService Service, Span Span)>(batchSize);
        foreach (var span in spans)
        {
            batch.Add(span);
            if (batch.Count == batchSize)
            {
                yield return (Body(batch, resources), batch.Count);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            yield return (Body(batch, resources), batch.Count);
        }
    }

    private static byte[] Body(List<(CorpusService Service, Span Span)> batch, Dictionary<string, Resource> resources)
    {
        var request = new ExportTraceServiceRequest();
        foreach (var group in batch.GroupBy(s => s.Service.Name, StringComparer.Ordinal))
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "io.opentelemetry.tomcat-10.0", Version = "2.10.0-alpha" } };
            scope.Spans.AddRange(group.Select(s => s.Span));
            var resourceSpans = new ResourceSpans { Resource = resources[group.Key] };
            resourceSpans.ScopeSpans.Add(scope);
            request.ResourceSpans.Add(resourceSpans);
        }

        return request.ToByteArray();
    }

    private static string Describe(byte[] answer)
    {
        try
        {
            return Tracevault.Server.Otlp.Proto.Rpc.Status.Parser.ParseFrom(answer).Message;
        }
        catch (InvalidProtocolBufferException)
        {
            return $"{answer.Length} bytes that are not a google.rpc.Status";
        }
    }
}
