using System.Buffers;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Json;

namespace Tracevault.Core.Tests.Traces.Json;

public sealed class XRayJsonWriterTests
{
    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Write(document.WriteTo);
    }

    [Fact]
    public void TraceSummaryJsonWriter_ThreeServiceTrace_WritesTheModelShape()
    {
        var json = Write(writer => TraceSummaryJsonWriter.Write(writer, TraceSummary.From(TraceCorpus.TraceA)));

        const string Api = """{"Name":"api","Names":["api"],"AccountId":"123456789012","Type":"AWS::ApiGateway::Stage"}""";
        const string Orders = """{"Name":"orders","Names":["orders"],"AccountId":"123456789012","Type":"AWS::EC2::Instance"}""";
        var expected = $$$"""
        {
          "Id": "1-665aff30-00000000000000000000000a",
          "StartTime": 1717239600,
          "Duration": 1.5,
          "ResponseTime": 1.5,
          "HasFault": true,
          "HasError": false,
          "HasThrottle": false,
          "IsPartial": false,
          "Http": {"HttpURL": "https://api.example.com/orders/42", "HttpStatus": 500, "HttpMethod": "POST", "UserAgent": "curl/8.0", "ClientIp": "203.0.113.7"},
          "Annotations": {
            "customer": [{"AnnotationValue": {"StringValue": "c7"}, "ServiceIds": [{{{Api}}}, {{{Orders}}}]}],
            "paid": [{"AnnotationValue": {"BooleanValue": true}, "ServiceIds": [{{{Api}}}]}],
            "amount": [{"AnnotationValue": {"NumberValue": 12.5}, "ServiceIds": [{{{Orders}}}]}]
          },
          "Users": [{"UserName": "alice", "ServiceIds": [{{{Api}}}, {{{Orders}}}]}],
          "ServiceIds": [
            {{{Api}}},
            {{{Orders}}},
            {"Name": "orders-table", "Names": ["orders-table"], "Type": "AWS::DynamoDB::Table"},
            {"Name": "payments.example.com", "Names": ["payments.example.com"], "Type": "remote"}
          ],
          "ResourceARNs": [{"ARN": "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod"}],
          "InstanceIds": [{"Id": "i-0abc"}],
          "AvailabilityZones": [{"Name": "us-east-1a"}],
          "EntryPoint": {{{Api}}},
          "FaultRootCauses": [{
            "Services": [
              {"Name": "api", "Names": ["api"], "Type": "AWS::ApiGateway::Stage", "AccountId": "123456789012",
               "EntityPath": [{"Name": "api", "Exceptions": [], "Remote": false}, {"Name": "orders", "Exceptions": [], "Remote": true}], "Inferred": false},
              {"Name": "orders", "Names": ["orders"], "Type": "AWS::EC2::Instance", "AccountId": "123456789012",
               "EntityPath": [
                 {"Name": "orders", "Exceptions": [{"Name": "PaymentException", "Message": "payment failed"}], "Remote": false},
                 {"Name": "payments.example.com", "Exceptions": [{"Name": "HttpError", "Message": "Service Unavailable"}], "Remote": true}
               ], "Inferred": false},
              {"Name": "payments.example.com", "Names": ["payments.example.com"], "Type": "remote",
               "EntityPath": [{"Name": "payments.example.com", "Exceptions": []}], "Inferred": true}
            ],
            "ClientImpacting": true
          }],
          "ErrorRootCauses": [],
          "Revision": 4
        }
        """;
        Assert.Equal(Compact(expected), json);
    }

    [Fact]
    public void TraceSummaryJsonWriter_PartialTraceWithMatchedEventTime_OmitsAbsentMembers()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceD) with { MatchedEventTime = 1717239630.5 };

        using var json = JsonDocument.Parse(Write(writer => TraceSummaryJsonWriter.Write(writer, summary)));

        var root = json.RootElement;
        Assert.False(root.TryGetProperty("ResponseTime", out _));
        Assert.False(root.GetProperty("Http").TryGetProperty("HttpStatus", out _));
        Assert.True(root.GetProperty("IsPartial").GetBoolean());
        Assert.Equal(1717239630.5, root.GetProperty("MatchedEventTime").GetDouble());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("Users").ValueKind);
    }

    [Fact]
    public void TraceJsonWriter_Trace_WritesDocumentsAsStrings()
    {
        var json = Write(writer => TraceJsonWriter.Write(writer, TraceCorpus.TraceC));

        var document = JsonEncodedText.Encode(TraceCorpus.DocumentsC[0]).ToString();
        Assert.Equal(
            $$"""{"Id":"{{TraceCorpus.C}}","Duration":0.05,"LimitExceeded":false,"Segments":[{"Id":"0c00000000000001","Document":"{{document}}"}]}""",
            json);
    }

    [Fact]
    public void TraceJsonWriter_TraceWithInferredSegments_ListsThemAfterTheStoredOnes()
    {
        using var json = JsonDocument.Parse(Write(writer => TraceJsonWriter.Write(writer, TraceCorpus.TraceA)));

        // The independent DynamoDB subsegment is joined into "orders": one document per segment, then the inferred ones.
        var segments = json.RootElement.GetProperty("Segments").EnumerateArray().ToList();
        Assert.Equal(4, segments.Count);
        Assert.Equal(["b000000000000001", "a000000000000001"], segments.Take(2).Select(s => s.GetProperty("Id").GetString()));
        using var inferred = JsonDocument.Parse(segments[2].GetProperty("Document").GetString()!);
        Assert.True(inferred.RootElement.GetProperty("inferred").GetBoolean());
    }

    [Fact]
    public void ServiceGraphJsonWriter_TraceGraph_WritesServicesAndEdges()
    {
        var graph = ServiceGraph.Build([TraceCorpus.TraceE]);

        var json = Write(writer => ServiceGraphJsonWriter.WriteServices(writer, graph));

        const string Ok = """{"OkCount":1,"ErrorStatistics":{"ThrottleCount":0,"OtherCount":0,"TotalCount":0},"FaultStatistics":{"OtherCount":0,"TotalCount":0},"TotalCount":1""";
        const string Error = """{"OkCount":0,"ErrorStatistics":{"ThrottleCount":0,"OtherCount":1,"TotalCount":1},"FaultStatistics":{"OtherCount":0,"TotalCount":0},"TotalCount":1""";
        var expected = $$$"""
        [
          {"ReferenceId": 0, "Type": "client", "State": "unknown", "StartTime": 1717239640, "EndTime": 1717239642.5,
           "Edges": [{"ReferenceId": 1, "StartTime": 1717239640, "EndTime": 1717239642.5, "SummaryStatistics": {{{Ok}}}, "TotalResponseTime": 2.5},
                      "ResponseTimeHistogram": [{"Value": 2.5, "Count": 1}], "Aliases": []}]},
          {"ReferenceId": 1, "Name": "api", "Names": ["api"], "Root": true, "AccountId": "123456789012", "Type": "AWS::ApiGateway::Stage",
           "State": "active", "StartTime": 1717239640, "EndTime": 1717239642.5,
           "Edges": [{"ReferenceId": 2, "StartTime": 1717239640.2, "EndTime": 1717239642.2, "SummaryStatistics": {{{Ok}}}, "TotalResponseTime": 2},
                      "ResponseTimeHistogram": [{"Value": 2, "Count": 1}], "Aliases": []}],
           "SummaryStatistics": {{{Ok}}}, "TotalResponseTime": 2.5},
           "DurationHistogram": [{"Value": 2.5, "Count": 1}], "ResponseTimeHistogram": [{"Value": 2.5, "Count": 1}]},
          {"ReferenceId": 2, "Name": "orders", "Names": ["orders"], "Root": false, "AccountId": "123456789012", "Type": "AWS::EC2::Instance",
           "State": "active", "StartTime": 1717239640.2, "EndTime": 1717239642.2,
           "Edges": [{"ReferenceId": 3, "StartTime": 1717239640.3, "EndTime": 1717239640.4, "SummaryStatistics": {{{Error}}}, "TotalResponseTime": 0.1},
                      "ResponseTimeHistogram": [{"Value": 0.1, "Count": 1}], "Aliases": []}],
           "SummaryStatistics": {{{Ok}}}, "TotalResponseTime": 2},
           "DurationHistogram": [{"Value": 2.5, "Count": 1}], "ResponseTimeHistogram": [{"Value": 2, "Count": 1}]},
          {"ReferenceId": 3, "Name": "orders-table", "Names": ["orders-table"], "Root": false, "Type": "AWS::DynamoDB::Table",
           "State": "active", "StartTime": 1717239640.3, "EndTime": 1717239640.4,
           "Edges": [],
           "SummaryStatistics": {{{Error}}}, "TotalResponseTime": 0.1},
           "DurationHistogram": [{"Value": 2.5, "Count": 1}], "ResponseTimeHistogram": [{"Value": 0.1, "Count": 1}]}
        ]
        """;
        Assert.Equal(Compact(expected), json);
    }
}
