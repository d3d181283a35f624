using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>Times the read APIs on the loaded store, one request at a time, as a user's console or CLI would call them.</summary>
internal sealed class QueryProbe(HttpClient http, XRaySigner signer)
{
    /// <summary>
    /// BatchGetTraces latencies (ms) for <paramref name="requests"/> requests of 5 ids each; fails if a trace is missing or not
    /// whole (fewer segments than <paramref name="segmentsOf"/> says were sent).
    /// </summary>
    public async Task<List<double>> BatchGetTracesAsync(IReadOnlyList<string> traceIds, IReadOnlyDictionary<string, int> segmentsOf, int requests, int seed)
    {
        var random = new Random(seed);
        var latencies = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var ids = Enumerable.Range(0, 5).Select(_ => traceIds[random.Next(traceIds.Count)]).Distinct(StringComparer.Ordinal).ToList();
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["TraceIds"] = ids });
            var clock = Stopwatch.StartNew();
            using var json = await PostAsync("/Traces", body).ConfigureAwait(false);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            var found = json.RootElement.GetProperty("Traces").EnumerateArray().ToList();
            if (found.Count != ids.Count)
            {
                throw new InvalidDataException($"BatchGetTraces found {found.Count} of {ids.Count} traces.");
            }

            foreach (var trace in found)
            {
                var id = trace.GetProperty("Id").GetString()!;
                var stored = StoredSegments(trace);
                if (stored != segmentsOf[id])
                {
                    throw new InvalidDataException($"BatchGetTraces returned trace {id} with {stored} of its {segmentsOf[id]} segments.");
                }
            }
        }

        return latencies;
    }

    /// <summary>
    /// Reads every trace back (five ids a request, a few requests in flight) and counts what the store holds of them; segments of
    /// traces dated in <c>[windowFrom, windowTo]</c> (epoch seconds of the trace id) are counted apart as well.
    /// </summary>
    /// <remarks>With <paramref name="spans"/>, every stored document's subsegments count too (one OTLP span each, however the server nests them).</remarks>
    public async Task<StoredCount> CountStoredAsync(IEnumerable<(string TraceId, int Segments)> traces, long windowFrom = 0, long windowTo = -1, bool spans = false)
    {
        var total = StoredCount.None;
        var gate = new Lock();
        await Parallel.ForEachAsync(traces.Chunk(5), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, _) =>
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["TraceIds"] = batch.Select(t => t.TraceId).ToArray() });
            using var json = await PostAsync("/Traces", body).ConfigureAwait(false);
            var stored = json.RootElement.GetProperty("Traces").EnumerateArray().ToDictionary(t => t.GetProperty("Id").GetString()!, t => spans ? StoredSpans(t) : StoredSegments(t), StringComparer.Ordinal);
            var count = StoredCount.None;
            foreach (var (traceId, sent) in batch)
            {
                var found = stored.GetValueOrDefault(traceId);
                var epoch = long.Parse(traceId.AsSpan(2, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                count += new StoredCount(1, stored.ContainsKey(traceId) ? 1 : 0, found == sent ? 1 : 0, sent, found, epoch >= windowFrom && epoch <= windowTo ? found : 0);
            }

            lock (gate)
            {
                total += count;
            }
        }).ConfigureAwait(false);
        return total;
    }

    /// <summary>The documents of a returned trace that were stored, not inferred by the server from a subsegment.</summary>
    private static int StoredSegments(JsonElement trace) =>
        trace.GetProperty("Segments").EnumerateArray().Count(segment =>
        {
            using var document = JsonDocument.Parse(segment.GetProperty("Document").GetString()!);
            return !(document.RootElement.TryGetProperty("inferred", out var inferred) && inferred.ValueKind == JsonValueKind.True);
        });

    /// <summary>The segments and subsegments, at any depth, of the documents of a returned trace that were stored, not inferred.</summary>
    private static int StoredSpans(JsonElement trace) =>
        trace.GetProperty("Segments").EnumerateArray().Sum(segment =>
        {
            using var document = JsonDocument.Parse(segment.GetProperty("Document").GetString()!);
            return document.RootElement.TryGetProperty("inferred", out var inferred) && inferred.ValueKind == JsonValueKind.True ? 0 : Nested(document.RootElement);
        });

    private static int Nested(JsonElement element) =>
        1 + (element.TryGetProperty("subsegments", out var subsegments) ? subsegments.EnumerateArray().Sum(Nested) : 0);

    /// <summary>GetTraceSummaries latencies (ms) over <c>[end - 1 h, end]</c> with an annotation filter, first page; and the last answer's counts.</summary>
    public async Task<(List<double> Latencies, int Summaries, long Processed)> GetTraceSummariesAsync(DateTimeOffset end, string tier, int requests)
    {
        var latencies = new List<double>(requests);
        var summaries = 0;
        long processed = 0;
        for (var i = 0; i < requests; i++)
        {
            var body = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$"""{"StartTime":{{end.AddHours(-1).ToUnixTimeSeconds()}},"EndTime":{{end.ToUnixTimeSeconds()}},"FilterExpression":"annotation.{{CorpusGenerator.TierAnnotation}} = \"{{tier}}\""}"""));
            var clock = Stopwatch.StartNew();
            using var json = await PostAsync("/TraceSummaries", body).ConfigureAwait(false);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            summaries = json.RootElement.GetProperty("TraceSummaries").GetArrayLength();
            processed = json.RootElement.TryGetProperty("TracesProcessedCount", out var count) ? count.GetInt64() : 0;
        }

        return (latencies, summaries, processed);
    }

    private async Task<JsonDocument> PostAsync(string path, byte[] body)
    {
        using var request = signer.Post(path, body);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidDataException($"{path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(text)}");
        }

        return JsonDocument.Parse(text);
    }
}
