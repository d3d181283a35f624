using System.Text;
using System.Text.Json;
using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

public sealed class TraceAssemblerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1717243200);

    private static TraceEntity Entity(AssembledTrace trace, string id) => trace.Entities.Single(e => e.Id == id);

    [Fact]
    public void CorpusDocuments_AllPassIngestValidation()
    {
        var documents = TraceCorpus.DocumentsA.Concat(TraceCorpus.DocumentsB).Concat(TraceCorpus.DocumentsC)
            .Concat(TraceCorpus.DocumentsD).Concat(TraceCorpus.DocumentsE);

        foreach (var document in documents)
        {
            var result = SegmentDocument.Parse(Encoding.UTF8.GetBytes(document), Now);
            Assert.True(result.IsValid, result.Rejection?.Message);
        }
    }

    [Fact]
    public void Assemble_InProgressThenComplete_CompleteVersionWins()
    {
        var trace = TraceCorpus.TraceA;

        var orders = Entity(trace, "b000000000000001");
        Assert.Equal(1717239601.48, orders.EndTime);
        Assert.False(orders.InProgress);
        Assert.Equal(TraceCorpus.DocumentsA[3], trace.StoredDocuments.Single(s => s.Id == "b000000000000001").Document);
        Assert.False(trace.IsPartial);
    }

    [Fact]
    public void Assemble_CompleteThenInProgress_CompleteVersionStillWins()
    {
        var documents = new[] { TraceCorpus.DocumentsA[3], TraceCorpus.DocumentsA[2], TraceCorpus.DocumentsA[0] };

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal(1717239601.48, Entity(trace, "b000000000000001").EndTime);
        Assert.Equal(3, trace.Revision);
        Assert.Equal(2, trace.Segments.Count(s => !IsInferred(s.Document)));
    }

    [Fact]
    public void Assemble_MemberNamesEscapedOrRepeated_ReadAsJsonDefinesThem()
    {
        // "n\u0061me" is "name"; a repeated member counts in its last occurrence, even when that one is not of the expected kind.
        var document = $$$$"""{"name":"first","n\u0061me":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"user":"alice","user":7,"f\u0061ult":false,"fault":true,"http":{"response":{"status":200}},"http":{"response":{"status":404}},"subsegments":[{"n\u0061me":"child","i\u0064":"0f00000000000002","start_time":1717239600.2,"end_time":1717239600.4,"error":true}]}""";

        var trace = TraceCorpus.Assemble(TraceCorpus.A, [document]);

        var segment = Entity(trace, "0f00000000000001");
        Assert.Equal("api", segment.Name);
        Assert.Null(segment.User);
        Assert.True(segment.Fault);
        Assert.Equal(404, segment.Http?.HttpStatus);
        Assert.True(segment.Error);
        var child = Entity(trace, "0f00000000000002");
        Assert.Equal("child", child.Name);
        Assert.Equal(1717239600.2, child.StartTime);
        Assert.True(child.Error);
    }

    [Fact]
    public void Assemble_TwoCompleteVersions_LaterWins()
    {
        var first = $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601}""";
        var second = $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239602}""";

        var trace = TraceCorpus.Assemble(TraceCorpus.A, [first, second]);

        Assert.Equal(2, trace.Duration);
        Assert.Equal(second, Assert.Single(trace.Segments).Document);
    }

    [Fact]
    public void Assemble_IndependentSubsegment_JoinsItsParentSegment()
    {
        var trace = TraceCorpus.TraceA;

        var dynamo = Entity(trace, "b000000000000002");
        var orders = Entity(trace, "b000000000000001");
        Assert.Same(orders, dynamo.Parent);
        Assert.Same(orders, dynamo.Segment);
        // Placed by start time, where the SDK would have nested it had it sent the segment whole.
        Assert.Equal(["b000000000000002", "b000000000000003"], orders.Subsegments.Select(s => s.Id));
        Assert.Equal("orders", dynamo.Service?.Id.Name);
    }

    [Fact]
    public void Assemble_IndependentSubsegmentOfSubsegment_JoinsTheSubsegment()
    {
        string[] documents =
        [
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"subsegments":[{"name":"work","id":"0f00000000000002","start_time":1717239600.1,"end_time":1717239600.9}]}""",
            $$$$"""{"type":"subsegment","name":"inner","id":"0f00000000000003","parent_id":"0f00000000000002","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600.2,"end_time":1717239600.3}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal("0f00000000000002", Entity(trace, "0f00000000000003").Parent?.Id);
        Assert.Equal(["0f00000000000001", "0f00000000000002", "0f00000000000003"], trace.Entities.Select(e => e.Id));
    }

    [Fact]
    public void Assemble_StreamedSubsegmentRepeatingAnInProgressNestedOne_ReplacesIt()
    {
        string[] documents =
        [
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"subsegments":[{"name":"work","id":"0f00000000000002","start_time":1717239600.1,"in_progress":true}]}""",
            $$$$"""{"type":"subsegment","name":"work","id":"0f00000000000002","parent_id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600.1,"end_time":1717239600.9}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        var work = Entity(trace, "0f00000000000002");
        Assert.Equal(1717239600.9, work.EndTime);
        Assert.False(trace.IsPartial);
    }

    [Fact]
    public void Assemble_ReplacingSubsegmentWithChildren_LetsLaterSubsegmentsJoinThem()
    {
        string[] documents =
        [
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"subsegments":[{"name":"work","id":"0f00000000000002","start_time":1717239600.1,"in_progress":true}]}""",
            $$$$"""{"type":"subsegment","name":"work","id":"0f00000000000002","parent_id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600.1,"end_time":1717239600.9,"subsegments":[{"name":"step","id":"0f00000000000003","start_time":1717239600.2,"end_time":1717239600.8}]}""",
            $$$$"""{"type":"subsegment","name":"detail","id":"0f00000000000004","parent_id":"0f00000000000003","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600.3,"end_time":1717239600.4}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal("0f00000000000003", Entity(trace, "0f00000000000004").Parent?.Id);
        Assert.Equal(["0f00000000000001", "0f00000000000002", "0f00000000000003", "0f00000000000004"], trace.Entities.Select(e => e.Id));
    }

    [Fact]
    public void Assemble_IndependentSubsegmentWithUnknownParent_IsAnOrphanStandingForItsInferredService()
    {
        string[] documents =
        [
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601}""",
            $$$$"""{"type":"subsegment","name":"late","id":"0f00000000000009","parent_id":"0fffffffffffffff","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239601,"end_time":1717239603,"namespace":"remote"}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        var orphan = Entity(trace, "0f00000000000009");
        Assert.Null(orphan.Parent);
        Assert.Same(orphan, Assert.Single(trace.Orphans));
        Assert.Equal(new ServiceId("late", "remote", null), orphan.Service?.Id);
        Assert.True(orphan.Service!.Inferred);
        Assert.True(trace.IsPartial);
        Assert.Equal(3, trace.Duration);
        Assert.Equal(["api", "late"], trace.Services.Select(s => s.Id.Name));
    }

    [Fact]
    public void Assemble_IndependentSubsegmentsNamingEachOtherAsParent_DoNotLoop()
    {
        string[] documents =
        [
            $$$$"""{"type":"subsegment","name":"x","id":"0f00000000000001","parent_id":"0f00000000000002","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601}""",
            $$$$"""{"type":"subsegment","name":"y","id":"0f00000000000002","parent_id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal(2, trace.Entities.Count);
        Assert.Null(trace.Root);
        Assert.Empty(TraceSummary.From(trace).FaultRootCauses);
    }

    [Fact]
    public void Assemble_MalformedDocuments_AreSkipped()
    {
        string[] documents =
        [
            "not json",
            "[]",
            """{"name":"no id"}""",
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal("0f00000000000001", Assert.Single(trace.Entities).Id);
        Assert.Equal(4, trace.Revision);
    }

    [Fact]
    public void Assemble_DownstreamSegment_IsLinkedToTheCallingSubsegment()
    {
        var trace = TraceCorpus.TraceA;

        var call = Entity(trace, "a000000000000002");
        var orders = Entity(trace, "b000000000000001");
        Assert.Same(call, orders.Caller);
        Assert.Same(orders, Assert.Single(call.DownstreamSegments));
        Assert.Null(call.InferredService);
    }

    [Fact]
    public void Assemble_SegmentWhoseParentIsNotInTheTrace_IsTheRoot()
    {
        string[] documents =
        [
            $$$$"""{"name":"worker","id":"0f00000000000002","parent_id":"0fffffffffffffff","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600.5,"end_time":1717239601}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.Equal("0f00000000000002", trace.Root?.Id);
        Assert.True(trace.Services[0].Root);
    }

    [Fact]
    public void Assemble_TraceA_FindsServicesAndCalls()
    {
        var trace = TraceCorpus.TraceA;

        Assert.Equal(
            [
                new ServiceId("api", "AWS::ApiGateway::Stage", "123456789012"),
                new ServiceId("orders", "AWS::EC2::Instance", "123456789012"),
                new ServiceId("orders-table", "AWS::DynamoDB::Table", null),
                new ServiceId("payments.example.com", "remote", null),
            ],
            trace.Services.Select(s => s.Id));
        Assert.Equal([true, false, false, false], trace.Services.Select(s => s.Root));
        Assert.Equal([false, false, true, true], trace.Services.Select(s => s.Inferred));
        Assert.Equal(
            ["api->orders via b000000000000001", "orders->orders-table via b000000000000002", "orders->payments.example.com via b000000000000003"],
            trace.Calls.Select(c => $"{c.Caller.Id.Name}->{c.Callee.Id.Name} via {c.Entity.Id}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Assemble_InferredCall_AddsAnInferredSegmentDocument()
    {
        var trace = TraceCorpus.TraceA;

        var inferred = trace.Segments.Where(s => IsInferred(s.Document)).ToList();
        Assert.Equal(2, inferred.Count);
        var payments = inferred.Single(s => s.Document.Contains("payments.example.com", StringComparison.Ordinal));
        Assert.Matches("^[0-9a-f]{16}$", payments.Id);
        Assert.Equal(
            $$$$"""{"id":"{{{{payments.Id}}}}","name":"payments.example.com","start_time":1717239600.4,"end_time":1717239601.4,"parent_id":"b000000000000003","inferred":true,"fault":true,"http":{"request":{"method":"POST","url":"https://payments.example.com/charge"},"response":{"status":503}},"trace_id":"{{{{TraceCorpus.A}}}}","origin":"remote"}""",
            payments.Document);
        var table = inferred.Single(s => s.Document.Contains("\"origin\":\"AWS::DynamoDB::Table\"", StringComparison.Ordinal));
        Assert.Contains("\"name\":\"DynamoDB\"", table.Document, StringComparison.Ordinal);
        Assert.Contains("\"aws\":{\"operation\":\"PutItem\",\"table_name\":\"orders-table\",\"region\":\"us-east-1\"}", table.Document, StringComparison.Ordinal);
    }

    [Fact]
    public void Assemble_SameDocumentsTwice_GivesTheSameInferredSegmentIds()
    {
        Assert.Equal(TraceCorpus.TraceA.Segments.Select(s => s.Id), TraceCorpus.TraceA.Segments.Select(s => s.Id));
    }

    [Fact]
    public void Assemble_TraceA_ComputesTimesAndFlags()
    {
        var trace = TraceCorpus.TraceA;

        Assert.Equal(TraceCorpus.A, trace.Id);
        Assert.Equal(1717239600.0, trace.StartTime);
        Assert.Equal(1717239601.5, trace.EndTime);
        Assert.Equal(1.5, trace.Duration, 9);
        Assert.Equal(1.5, trace.ResponseTime!.Value, 9);
        Assert.True(trace.HasFault);
        Assert.False(trace.HasError);
        Assert.False(trace.HasThrottle);
        Assert.Equal("a000000000000001", trace.Root?.Id);
        Assert.Equal(4, trace.Revision);
        Assert.False(trace.LimitExceeded);
        Assert.Equal(TraceCorpus.DocumentsA.Skip(1).Sum(d => Encoding.UTF8.GetByteCount(d)), trace.DocumentBytes);
    }

    [Fact]
    public void Assemble_InProgressRoot_IsPartialWithoutResponseTime()
    {
        var trace = TraceCorpus.TraceD;

        Assert.True(trace.IsPartial);
        Assert.Null(trace.ResponseTime);
        Assert.Equal(0.9, trace.Duration, 9);
        Assert.False(trace.HasError);
    }

    [Fact]
    public void Assemble_StatusCodesWithoutFlags_SetErrorFaultAndThrottle()
    {
        string[] documents =
        [
            $$$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"http":{"response":{"status":429}},"subsegments":[{"name":"db","id":"0f00000000000002","start_time":1717239600,"end_time":1717239601,"http":{"response":{"status":502}}}]}""",
        ];

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.True(trace.HasError);
        Assert.True(trace.HasThrottle);
        Assert.False(trace.HasFault);
        Assert.True(Entity(trace, "0f00000000000002").Fault);
    }

    [Fact]
    public void Assemble_DocumentsOver500KB_SetLimitExceeded()
    {
        var padding = new string('x', 60_000);
        var documents = Enumerable.Range(1, 9).Select(i =>
            $$$$"""{"name":"api","id":"0f0000000000000{{{{i}}}}","trace_id":"{{{{TraceCorpus.A}}}}","start_time":1717239600,"end_time":1717239601,"metadata":{"pad":"{{{{padding}}}}"}}""");

        var trace = TraceCorpus.Assemble(TraceCorpus.A, documents);

        Assert.True(trace.DocumentBytes > TraceAssembler.MaxTraceDocumentBytes);
        Assert.True(trace.LimitExceeded);
    }

    [Fact]
    public void Assemble_UppercaseTraceId_IsNormalisedToLowercase()
    {
        var trace = TraceCorpus.Assemble(TraceCorpus.A.ToUpperInvariant(), TraceCorpus.DocumentsA);

        Assert.Equal(TraceCorpus.A, trace.Id);
        Assert.All(trace.Segments.Skip(3), s => Assert.Contains(TraceCorpus.A, s.Document, StringComparison.Ordinal));
    }

    private static bool IsInferred(string document)
    {
        using var json = JsonDocument.Parse(document);
        return json.RootElement.TryGetProperty("inferred", out var inferred) && inferred.GetBoolean();
    }
}
