using System.Text.Json.Nodes;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Core.Tests.Traces;

/// <summary>Independent subsegments joined into their parents in the documents a trace returns, as if the trace had been sent whole.</summary>
public sealed class TraceAssemblerJoiningTests
{
    private const string Trace = TraceCorpus.A;
    private const double T0 = 1717239600;

    /// <summary>"api" calls "orders"; "work" holds "step", which holds "detail" and a remote call; "cache" is a sibling of "work".</summary>
    private static JsonObject WholeSegment() => new()
    {
        ["name"] = "api",
        ["id"] = "0a00000000000001",
        ["trace_id"] = Trace,
        ["start_time"] = T0,
        ["end_time"] = T0 + 1,
        ["http"] = new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "https://api.example/x" }, ["response"] = new JsonObject { ["status"] = 200 } },
        ["subsegments"] = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "work",
                ["id"] = "0a00000000000002",
                ["start_time"] = T0 + 0.1,
                ["end_time"] = T0 + 0.8,
                ["metadata"] = new JsonObject { ["default"] = new JsonObject { ["k"] = "v" } },
                ["subsegments"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = "step",
                        ["id"] = "0a00000000000003",
                        ["start_time"] = T0 + 0.2,
                        ["end_time"] = T0 + 0.7,
                        ["subsegments"] = new JsonArray
                        {
                            new JsonObject { ["name"] = "detail", ["id"] = "0a00000000000004", ["start_time"] = T0 + 0.3, ["end_time"] = T0 + 0.4, ["annotations"] = new JsonObject { ["deep"] = true } },
                            new JsonObject
                            {
                                ["name"] = "orders", ["id"] = "0a00000000000005", ["namespace"] = "remote", ["start_time"] = T0 + 0.45, ["end_time"] = T0 + 0.65,
                                ["http"] = new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "http://orders/x" }, ["response"] = new JsonObject { ["status"] = 200 } },
                            },
                        },
                    },
                },
            },
            new JsonObject { ["name"] = "cache", ["id"] = "0a00000000000006", ["start_time"] = T0 + 0.85, ["end_time"] = T0 + 0.9 },
        },
    };

    /// <summary>Takes a subsegment out of the whole segment and makes it a document of its own, as a streaming SDK does.</summary>
    private static JsonObject Stream(JsonObject segment, string id)
    {
        var (parent, subsegment) = Find(segment, id) ?? throw new InvalidOperationException(id);
        var siblings = parent["subsegments"]!.AsArray();
        siblings.Remove(subsegment);
        if (siblings.Count == 0)
        {
            parent.Remove("subsegments");
        }

        subsegment["type"] = "subsegment";
        subsegment["trace_id"] = Trace;
        subsegment["parent_id"] = parent["id"]!.GetValue<string>();
        return subsegment;

        static (JsonObject Parent, JsonObject Child)? Find(JsonObject entity, string id)
        {
            foreach (var child in entity["subsegments"]?.AsArray() ?? [])
            {
                if (child!["id"]!.GetValue<string>() == id)
                {
                    return (entity, child.AsObject());
                }

                if (Find(child.AsObject(), id) is { } found)
                {
                    return found;
                }
            }

            return null;
        }
    }

    private static AssembledTrace Assemble(params JsonNode[] documents) => TraceCorpus.Assemble(Trace, documents.Select(d => d.ToJsonString()));

    private static void AssertValueEqual(AssembledTrace expected, AssembledTrace actual)
    {
        Assert.Equal(expected.Segments.Select(s => s.Id), actual.Segments.Select(s => s.Id));
        foreach (var (want, got) in expected.Segments.Zip(actual.Segments))
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(want.Document), JsonNode.Parse(got.Document)), $"{want.Id}:\nwant {want.Document}\ngot  {got.Document}");
        }
    }

    [Fact]
    public void Segments_SubsegmentsStreamedAtEveryDepth_AreValueEqualToTheTraceSentWhole()
    {
        var whole = Assemble(WholeSegment());
        var segment = WholeSegment();
        // "step" (inside "work", still nested) and then "detail" and "work" itself: a subsegment of a subsegment of a streamed subsegment.
        var detail = Stream(segment, "0a00000000000004");
        var step = Stream(segment, "0a00000000000003");
        var work = Stream(segment, "0a00000000000002");

        var streamed = Assemble(detail, work, segment, step);

        AssertValueEqual(whole, streamed);
        Assert.Equal(2, streamed.Segments.Count);
        Assert.Equal(["0a00000000000001", "0a00000000000002", "0a00000000000003", "0a00000000000004", "0a00000000000005", "0a00000000000006"], streamed.Entities.Select(e => e.Id));
        Assert.Equal(4, streamed.StoredDocuments.Count);
        Assert.Equal(detail.ToJsonString(), streamed.StoredDocuments[0].Document);
        Assert.Empty(streamed.Orphans);
        Assert.False(streamed.IsPartial);
    }

    [Fact]
    public void Segments_SubsegmentStreamedBeforeItsSiblings_IsPlacedByStartTime()
    {
        var whole = Assemble(WholeSegment());
        var segment = WholeSegment();
        var work = Stream(segment, "0a00000000000002");

        AssertValueEqual(whole, Assemble(segment, work));
        Assert.Equal(["work", "cache"], Assemble(work, segment).Entities.Single(e => e.Name == "api").Subsegments.Select(s => s.Name));
    }

    [Fact]
    public void Segments_InProgressSubsegmentThenItsCompletedVersion_ReturnsTheCompletedOneOnce()
    {
        var whole = Assemble(WholeSegment());
        var segment = WholeSegment();
        var work = Stream(segment, "0a00000000000002");
        var inProgress = work.DeepClone().AsObject();
        inProgress.Remove("end_time");
        inProgress.Remove("subsegments");
        inProgress["in_progress"] = true;

        AssertValueEqual(whole, Assemble(inProgress, segment, work));
        AssertValueEqual(whole, Assemble(segment, work, inProgress));
    }

    [Fact]
    public void Segments_NestedInProgressSubsegmentReplacedByAStreamedCompletedOne_TakesItsPlace()
    {
        var whole = Assemble(WholeSegment());
        var segment = WholeSegment();
        var work = Stream(segment, "0a00000000000002");
        var inProgress = work.DeepClone().AsObject();
        foreach (var member in new[] { "end_time", "subsegments", "type", "trace_id", "parent_id" })
        {
            inProgress.Remove(member);
        }

        inProgress["in_progress"] = true;
        segment["subsegments"]!.AsArray().Insert(0, inProgress);

        AssertValueEqual(whole, Assemble(segment, work));
    }

    [Fact]
    public void Segments_SameSubsegmentSentTwice_IsNotDoubled()
    {
        var whole = Assemble(WholeSegment());
        var segment = WholeSegment();
        var step = Stream(segment, "0a00000000000003");

        var twice = Assemble(step, segment, step.DeepClone());

        AssertValueEqual(whole, twice);
        Assert.Single(twice.Entities, e => e.Id == "0a00000000000003");
    }

    [Fact]
    public void Segments_StreamedSubsegmentRepeatingACompleteNestedOne_IsNotDoubled()
    {
        var whole = Assemble(WholeSegment());
        var step = Stream(WholeSegment(), "0a00000000000003");

        AssertValueEqual(whole, Assemble(WholeSegment(), step));
    }

    [Fact]
    public void Segments_NoIndependentSubsegments_AreTheStoredDocumentsThemselves()
    {
        var stored = WholeSegment().ToJsonString();

        var trace = TraceCorpus.Assemble(Trace, [stored]);

        Assert.Equal(stored, trace.Segments[0].Document);
        Assert.Equal(stored, Assert.Single(trace.StoredDocuments).Document);
    }

    [Fact]
    public void Assemble_ChainOfStreamedSubsegmentsDeeperThanTheLimit_JoinsTheFirst64AndKeepsTheRestAsTheirOwnDocuments()
    {
        var documents = new List<JsonNode> { new JsonObject { ["name"] = "api", ["id"] = "0b00000000000000", ["trace_id"] = Trace, ["start_time"] = T0, ["end_time"] = T0 + 1 } };
        for (var i = 1; i <= 200; i++)
        {
            documents.Add(new JsonObject
            {
                ["type"] = "subsegment", ["name"] = "level" + i, ["id"] = $"0b{i:x14}", ["parent_id"] = $"0b{i - 1:x14}",
                ["trace_id"] = Trace, ["start_time"] = T0 + (i / 1000.0), ["end_time"] = T0 + 0.5,
            });
        }

        // Children first: each joins only once the walk from the segment reaches its parent.
        documents.Reverse();
        var trace = Assemble([.. documents]);

        var level64 = trace.Entities.Single(e => e.Name == "level64");
        Assert.Equal("api", Enumerable.Range(0, 64).Aggregate(level64, (e, _) => e.Parent!).Name);
        Assert.Null(trace.Entities.Single(e => e.Name == "level65").Parent);
        Assert.Equal(["level130", "level195", "level65"], trace.Orphans.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(201, trace.Entities.Count);
        Assert.Equal(4 + 3, trace.Segments.Count);
        Assert.True(trace.IsPartial);
    }

    [Fact]
    public void Assemble_OnlyAnOrphanSubsegment_SummaryFilterGraphAndDocumentsAgreeOnItsService()
    {
        var orphan = new JsonObject
        {
            ["type"] = "subsegment", ["name"] = "inventory", ["id"] = "0c00000000000002", ["parent_id"] = "0c00000000000001", ["trace_id"] = Trace,
            ["namespace"] = "remote", ["start_time"] = T0, ["end_time"] = T0 + 0.5, ["throttle"] = true,
            ["http"] = new JsonObject { ["request"] = new JsonObject { ["url"] = "https://inventory.example/items" }, ["response"] = new JsonObject { ["status"] = 429 } },
        };

        var trace = Assemble(orphan);

        var summary = TraceSummary.From(trace);
        Assert.True(summary.IsPartial);
        var service = new ServiceId("inventory", "remote", null);
        Assert.Equal([service], summary.ServiceIds);
        Assert.Null(summary.EntryPoint);
        foreach (var expression in new[] { "service(\"inventory\")", "service(id(name: \"inventory\", type: \"remote\")) { throttle }", "throttle", "partial", "inferred" })
        {
            Assert.True(FilterExpression.Parse(expression).Matches(trace), expression);
        }

        var node = Assert.Single(ServiceGraph.Build([trace]));
        Assert.Equal(service, node.Service);
        Assert.True(node.Inferred);
        Assert.Equal(1, node.SummaryStatistics.ErrorStatistics.ThrottleCount);

        // BatchGetTraces: the subsegment as sent, then the segment X-Ray infers for its service.
        Assert.Equal(2, trace.Segments.Count);
        Assert.True(JsonNode.DeepEquals(orphan, JsonNode.Parse(trace.Segments[0].Document)));
        var inferred = JsonNode.Parse(trace.Segments[1].Document)!;
        Assert.Equal("0c00000000000002", inferred["parent_id"]!.GetValue<string>());
        Assert.True(inferred["inferred"]!.GetValue<bool>());
        Assert.Equal("inventory", inferred["name"]!.GetValue<string>());
    }
}
