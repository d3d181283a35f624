using System.Globalization;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>One client's share of the corpus: traces <c>index, index + clients, …</c> below <c>traces</c>.</summary>
internal sealed record CorpusShare(int Seed, long BaseTime, int Traces, int Index, int Clients, int SpreadMinutes)
{
    public static CorpusShare From(HarnessArguments args) => new(
        args.Int("seed", 1),
        args.Long("base-time", 0),
        args.Int("traces", 0),
        args.Int("index", 0),
        args.Int("clients", 1),
        args.Int("spread-minutes", 50));

    public IEnumerable<string> ToArguments() =>
    [
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--base-time", BaseTime.ToString(CultureInfo.InvariantCulture),
        "--traces", Traces.ToString(CultureInfo.InvariantCulture),
        "--index", Index.ToString(CultureInfo.InvariantCulture),
        "--clients", Clients.ToString(CultureInfo.InvariantCulture),
        "--spread-minutes", SpreadMinutes.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The id and segment count of each trace of this share, as <see cref="Documents"/> sends them.</summary>
    public IEnumerable<(string TraceId, int Segments)> SentTraces()
    {
        var generator = new CorpusGenerator(Seed, DateTimeOffset.FromUnixTimeSeconds(BaseTime), TimeSpan.FromMinutes(SpreadMinutes), traces: Traces);
        for (var trace = Index; trace < Traces; trace += Clients)
        {
            yield return (generator.Trace(trace).TraceId, generator.SegmentCount(trace));
        }
    }

    /// <summary>The X-Ray form of each trace's OTLP (W3C) id and its span count, as <see cref="OtlpTraces"/> sends them.</summary>
    public IEnumerable<(string TraceId, int Segments)> SentOtlpTraces()
    {
        var generator = Generator();
        for (var trace = Index; trace < Traces; trace += Clients)
        {
            var generated = generator.Trace(trace);
            yield return (OtlpCorpus.XRayForm(OtlpCorpus.W3CTraceId(generated.TraceId)), OtlpCorpus.SpanCount(generated));
        }
    }

    /// <summary>This share's traces, and the services they name.</summary>
    public (IEnumerable<CorpusTrace> Traces, IReadOnlyList<CorpusService> Services) OtlpTraces()
    {
        var generator = Generator();
        return (Enumerable.Range(0, Math.Max(0, (Traces - Index + Clients - 1) / Clients)).Select(i => generator.Trace(Index + (i * Clients))), generator.Services);
    }

    private CorpusGenerator Generator() =>
        new(Seed, DateTimeOffset.FromUnixTimeSeconds(BaseTime), TimeSpan.FromMinutes(SpreadMinutes), traces: Traces);

    public IEnumerable<byte[]> Documents()
    {
        var generator = new CorpusGenerator(Seed, DateTimeOffset.FromUnixTimeSeconds(BaseTime), TimeSpan.FromMinutes(SpreadMinutes), traces: Traces);
        for (var trace = Index; trace < Traces; trace += Clients)
        {
            foreach (var document in generator.Trace(trace).Documents)
            {
                yield return document;
            }
        }
    }
}
