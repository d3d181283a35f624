using System.Globalization;
using System.Text.Json;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Json;

namespace Tracevault.Core.Tests.Traces;

/// <summary>Documents that name their parents by id can chain without end; the assembled trace nests no deeper than its limit.</summary>
public sealed class TraceAssemblerDepthTests
{
    private const string TraceId = "1-665aff30-a006649127e371903a2de979";

    [Fact]
    public void Assemble_ThousandChainedIndependentSubsegments_NestsNoDeeperThanTheLimit()
    {
        var trace = TraceCorpus.Assemble(TraceId, ChainedSubsegments(1_000));

        // Joining stops at its own, smaller limit (the rest stand as orphans): the nesting never passes either.
        Assert.Equal(1_002, trace.Entities.Count);
        Assert.InRange(MaxDepth(trace), TraceAssembler.MaxJoinDepth, TraceAssembler.MaxEntityDepth);
        Assert.Equal("0000000000000001", trace.Root!.Id);
    }

    [Fact]
    public void Assemble_ThousandChainedSegments_NestsNoDeeperThanTheLimit()
    {
        var trace = TraceCorpus.Assemble(TraceId, ChainedSegments(1_000, ring: false));

        Assert.Equal(2_000, trace.Entities.Count);
        Assert.InRange(MaxDepth(trace), TraceAssembler.MaxEntityDepth, TraceAssembler.MaxEntityDepth);
        Assert.Equal("0000000000000001", trace.Root!.Id);
    }

    [Theory]
    [InlineData(10_000, false, false)]
    [InlineData(10_000, true, false)]
    [InlineData(10_000, true, true)]
    public void Assemble_TenThousandLinks_EveryWalkOfTheTraceCompletes(int count, bool segments, bool ring)
    {
        var trace = TraceCorpus.Assemble(TraceId, segments ? ChainedSegments(count, ring) : ChainedSubsegments(count));

        Assert.InRange(MaxDepth(trace), 1, 2 * TraceAssembler.MaxEntityDepth);
        var summary = TraceSummary.From(trace);
        Assert.Equal(TraceId, summary.Id);
        // A long ring is cut into stretches, and the earliest caller-less one (not the first segment) becomes the root.
        Assert.Equal(!ring, summary.FaultRootCauses.Count > 0);
        Assert.NotEmpty(ServiceGraph.Build([trace]));
        Assert.True(FilterExpression.Parse("""service("s") { fault } AND user = "u" """).Matches(trace));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            TraceJsonWriter.Write(writer, trace);
        }

        Assert.True(buffer.Length > count);
    }

    /// <summary>A segment, then <paramref name="count"/> independent subsegments, each the parent of the next; the first and last fault.</summary>
    private static IEnumerable<string> ChainedSubsegments(int count)
    {
        yield return Segment(1, parent: null, fault: true);
        for (var i = 2; i <= count + 1; i++)
        {
            yield return $$"""{"type":"subsegment","name":"s","id":"{{Id(i)}}","parent_id":"{{Id(i - 1)}}","trace_id":"{{TraceId}}","start_time":{{Time(i)}},"end_time":1717239700,"fault":{{(i == count + 1 ? "true" : "false")}}}""";
        }
    }

    /// <summary><paramref name="count"/> segments each called by a subsegment of the one before (the first by the last when a ring); the first and last fault.</summary>
    private static IEnumerable<string> ChainedSegments(int count, bool ring)
    {
        for (var i = 1; i <= count; i++)
        {
            var caller = i > 1 ? Id(1_000_000 + i - 1) : ring ? Id(1_000_000 + count) : null;
            yield return Segment(i, caller, fault: i == 1 || i == count);
        }
    }

    private static string Segment(int index, string? parent, bool fault) =>
        $$"""{"name":"s","id":"{{Id(index)}}",{{(parent is null ? "" : $"\"parent_id\":\"{parent}\",")}}"trace_id":"{{TraceId}}","start_time":{{Time(index)}},"end_time":1717239700,"user":"u","fault":{{(fault ? "true" : "false")}},"subsegments":[{"name":"call","id":"{{Id(1_000_000 + index)}}","start_time":{{Time(index)}},"end_time":1717239700,"fault":{{(fault ? "true" : "false")}}}]}""";

    private static string Id(int index) => index.ToString("x16", CultureInfo.InvariantCulture);

    private static string Time(int index) => (1717239600 + index / 1000.0).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The most links between any entity and the top of its tree, counted without recursion.</summary>
    private static int MaxDepth(AssembledTrace trace)
    {
        var deepest = 0;
        foreach (var entity in trace.Entities)
        {
            var depth = 0;
            for (var up = Up(entity); up is not null && depth <= 4 * TraceAssembler.MaxEntityDepth; up = Up(up))
            {
                depth++;
            }

            deepest = Math.Max(deepest, depth);
        }

        return deepest;

        static TraceEntity? Up(TraceEntity entity) => entity.Parent ?? (entity.Kind == TraceEntityKind.Segment ? entity.Caller : null);
    }
}
