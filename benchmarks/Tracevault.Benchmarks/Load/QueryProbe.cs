using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>Times the read APIs on the loaded store, one request at a time, as a user's console or CLI would call them.</summary>
internal sealed class QueryProbe(HttpClient http, XRaySigner signer)
{
    /// <summary>BatchGetTraces latencies (ms) for <paramref name="requests"/> requests of 5 ids each; fails if a trace is missing.</summary>
    public async Task<List<double>> BatchGetTracesAsync(IReadOnlyList<string> traceIds, int requests, int seed)
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
            var found = json.RootElement.GetProperty("Traces").GetArrayLength();
            if (found != ids.Count)
            {
                throw new InvalidDataException($"BatchGetTraces found {found} of {ids.Count} traces.");
            }
        }

        return latencies;
    }

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
