using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
          "ResponseTimeRootCauses": [{
            "Services": [
              {"Name": "api", "Names": ["api"], "Type": "AWS::ApiGateway::Stage", "AccountId": "123456789012",
               "EntityPath": [{"Name": "api", "Coverage": 1, "Remote": false}, {"Name": "orders", "Coverage": 0.9866666666666667, "Remote": true}], "Inferred": false},
              {"Name": "orders", "Names": ["orders"], "Type": "AWS::EC2::Instance", "AccountId": "123456789012",
               "EntityPath": [{"Name": "orders", "Coverage": 0.9733333333333333, "Remote": false}, {"Name": "payments.example.com", "Coverage": 0.6666666666666666, "Remote": true}], "Inferred": false},
              {"Name": "payments.example.com", "Names": ["payments.example.com"], "Type": "remote",
               "EntityPath": [{"Name": "payments.example.com", "Coverage": 0.6666666666666666}], "Inferred": true}
            ],
            "ClientImpacting": true
          }],
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

        Assert.Equal(ExpectedGraph.From(TraceCorpus.DocumentsE).ToJson(), json);
    }

    /// <summary>
    /// The service graph the documents describe, derived here from the documents themselves (not from the code under test):
    /// a node per segment's service, in the order first met, then per AWS call a node for the resource called; an edge from
    /// the caller's node to the callee's, timed by the callee's segment (or, for an AWS call, by the subsegment).
    /// </summary>
    /// <remarks>
    /// X-Ray's graphs begin with a <c>client</c> node (reference id 0, no name) whose edges lead to the root services, carrying the
    /// requests that entered the trace there; the services follow from reference id 1.
    /// </remarks>
    private sealed class ExpectedGraph
    {
        private readonly List<Node> _nodes = [];
        private double _traceDuration;

        public static ExpectedGraph From(IEnumerable<string> documents)
        {
            var segments = documents.Select(d => JsonNode.Parse(d)!.AsObject()).ToList();
            var graph = new ExpectedGraph { _traceDuration = segments.Max(s => (double)s["end_time"]!) - segments.Min(s => (double)s["start_time"]!) };
            var bySubsegment = segments.SelectMany(s => Subsegments(s).Select(sub => (Id: (string)sub["id"]!, Segment: s))).ToDictionary(x => x.Id, x => x.Segment);
            var nodeOf = new Dictionary<JsonObject, Node>();
            foreach (var segment in segments)
            {
                var node = graph.Add((string)segment["name"]!, (string?)segment["origin"], (string?)segment["aws"]?["account_id"]);
                node.Requests.Add(Request.Of(segment));
                if (segment["parent_id"] is null)
                {
                    node.IsRoot = true;
                    node.EntryRequests.Add(Request.Of(segment));
                }
                nodeOf[segment] = node;
            }

            foreach (var segment in segments)
            {
                if ((string?)segment["parent_id"] is { } parent && bySubsegment.TryGetValue(parent, out var caller))
                {
                    nodeOf[caller].EdgeTo(nodeOf[segment]).Add(Request.Of(segment));
                }

                foreach (var call in Subsegments(segment).Where(sub => (string?)sub["namespace"] == "aws"))
                {
                    // An AWS call: the resource is a service of its own, named for the table and typed for the AWS service.
                    var resource = graph.Add((string)call["aws"]!["table_name"]!, $"AWS::{(string)call["name"]!}::Table", null);
                    resource.Requests.Add(Request.Of(call));
                    nodeOf[segment].EdgeTo(resource).Add(Request.Of(call));
                }
            }

            return graph;
        }

        public string ToJson()
        {
            var entries = _nodes.SelectMany(n => n.EntryRequests).ToList();
            var client = new JsonObject
            {
                ["ReferenceId"] = 0, ["Type"] = "client", ["State"] = "unknown",
                ["StartTime"] = entries.Min(r => r.Start), ["EndTime"] = entries.Max(r => r.End),
                ["Edges"] = new JsonArray([.. _nodes.Where(n => n.IsRoot).Select(n => (JsonNode)Edge(n.Id, n.EntryRequests))]),
            };
            return new JsonArray([client, .. _nodes.Select(n => (JsonNode)n.ToJson(this))]).ToJsonString();
        }

        private static JsonObject Edge(int referenceId, List<Request> requests) => new()
        {
            ["ReferenceId"] = referenceId,
            ["StartTime"] = requests.Min(r => r.Start),
            ["EndTime"] = requests.Max(r => r.End),
            ["SummaryStatistics"] = Statistics(requests),
            ["ResponseTimeHistogram"] = Histogram(requests.Select(r => r.End - r.Start)),
            ["Aliases"] = new JsonArray(),
        };

        private static IEnumerable<JsonObject> Subsegments(JsonObject entity) =>
            (entity["subsegments"]?.AsArray() ?? []).Select(s => s!.AsObject()).SelectMany(s => Subsegments(s).Prepend(s));

        private Node Add(string name, string? type, string? accountId)
        {
            var node = _nodes.Find(n => n.ServiceName == name && n.ServiceType == type);
            if (node is null)
            {
                node = new Node(_nodes.Count + 1, name, type, accountId);
                _nodes.Add(node);
            }

            return node;
        }

        private sealed record Request(double Start, double End, bool Error, bool Throttle, bool Fault)
        {
            public static Request Of(JsonObject entity) =>
                new((double)entity["start_time"]!, (double)entity["end_time"]!, (bool?)entity["error"] ?? false, (bool?)entity["throttle"] ?? false, (bool?)entity["fault"] ?? false);
        }

        private sealed class Node(int referenceId, string name, string? type, string? accountId)
        {
            public string ServiceName => name;

            public string? ServiceType => type;

            public bool IsRoot { get; set; }

            public List<Request> Requests { get; } = [];

            public List<Request> EntryRequests { get; } = [];

            public SortedDictionary<int, List<Request>> Calls { get; } = [];

            public List<Request> EdgeTo(Node callee) => Calls.TryGetValue(callee.Id, out var requests) ? requests : Calls[callee.Id] = [];

            public int Id => referenceId;

            public JsonObject ToJson(ExpectedGraph graph)
            {
                var node = new JsonObject { ["ReferenceId"] = referenceId, ["Name"] = name, ["Names"] = new JsonArray(name), ["Root"] = IsRoot };
                if (accountId is not null)
                {
                    node["AccountId"] = accountId;
                }

                if (type is not null)
                {
                    node["Type"] = type;
                }

                node["State"] = "active";
                node["StartTime"] = Requests.Min(r => r.Start);
                node["EndTime"] = Requests.Max(r => r.End);
                node["Edges"] = new JsonArray([.. Calls.Select(e => (JsonNode)Edge(e.Key, e.Value))]);
                node["SummaryStatistics"] = Statistics(Requests);
                node["DurationHistogram"] = Histogram(Requests.Select(_ => graph._traceDuration));
                node["ResponseTimeHistogram"] = Histogram(Requests.Select(r => r.End - r.Start));
                return node;
            }
        }

        private static JsonObject Statistics(List<Request> requests)
        {
            var faults = requests.Count(r => r.Fault);
            var throttles = requests.Count(r => !r.Fault && r.Throttle);
            var errors = requests.Count(r => !r.Fault && !r.Throttle && r.Error);
            return new JsonObject
            {
                ["OkCount"] = requests.Count - faults - throttles - errors,
                ["ErrorStatistics"] = new JsonObject { ["ThrottleCount"] = throttles, ["OtherCount"] = errors, ["TotalCount"] = throttles + errors },
                ["FaultStatistics"] = new JsonObject { ["OtherCount"] = faults, ["TotalCount"] = faults },
                ["TotalCount"] = requests.Count,
                ["TotalResponseTime"] = Math.Round(requests.Sum(r => r.End - r.Start), 6),
            };
        }

        // Buckets of a millisecond, as X-Ray's histograms.
        private static JsonArray Histogram(IEnumerable<double> seconds) =>
            new([.. seconds.GroupBy(v => Math.Round(v, 3)).OrderBy(g => g.Key).Select(g => (JsonNode)new JsonObject { ["Value"] = g.Key, ["Count"] = g.Count() })]);
    }
}
