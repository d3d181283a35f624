using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Tracevault.Core.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>
/// Trace assembly for summaries and for <c>BatchGetTraces</c> (with its documents written), on the corpus as generated (no
/// independent subsegments, the common case) and with each segment's first subsegment streamed as its own document.
/// </summary>
[MemoryDiagnoser]
public class TraceAssemblerBenchmarks
{
    private List<(string TraceId, List<ReadOnlyMemory<byte>> Documents)> _traces = [];
    private List<(string TraceId, List<ReadOnlyMemory<byte>> Documents)> _streamed = [];

    [GlobalSetup]
    public void Setup()
    {
        var documents = BenchmarkCorpus.Documents();
        _traces = [.. documents
            .GroupBy(d => JsonDocument.Parse(d).RootElement.GetProperty("trace_id").GetString()!)
            .Select(g => (g.Key, g.Select(d => (ReadOnlyMemory<byte>)d).ToList()))];
        _streamed = [.. _traces.Select(t => (t.TraceId, t.Documents.SelectMany(Stream).ToList()))];
    }

    [Benchmark(Baseline = true, Description = "Assemble (summaries), all traces of 4,000 documents")]
    public int Assemble() => _traces.Sum(t => TraceAssembler.Assemble(t.TraceId, t.Documents).Entities.Count);

    [Benchmark(Description = "Assemble + documents (BatchGetTraces), all traces of 4,000 documents")]
    public int AssembleAndWrite() => _traces.Sum(t => TraceAssembler.Assemble(t.TraceId, t.Documents).Segments.Count);

    [Benchmark(Description = "Streamed: Assemble + documents, all traces of 4,000 documents")]
    public int StreamedAssembleAndWrite() => _streamed.Sum(t => TraceAssembler.Assemble(t.TraceId, t.Documents).Segments.Count);

    private static IEnumerable<ReadOnlyMemory<byte>> Stream(ReadOnlyMemory<byte> document)
    {
        var segment = JsonNode.Parse(document.Span)!.AsObject();
        if (segment["subsegments"] is not JsonArray { Count: > 0 } subsegments)
        {
            return [document];
        }

        var first = subsegments[0]!.AsObject();
        subsegments.RemoveAt(0);
        first["type"] = "subsegment";
        first["trace_id"] = segment["trace_id"]!.DeepClone();
        first["parent_id"] = segment["id"]!.DeepClone();
        return [JsonSerializer.SerializeToUtf8Bytes(first), JsonSerializer.SerializeToUtf8Bytes(segment)];
    }
}
