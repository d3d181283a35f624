using System.Text;
using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

/// <summary>Five small traces through an API Gateway stage "api", an EC2 service "orders", a DynamoDB table and a payment API.</summary>
internal static class TraceCorpus
{
    public const string A = "1-665aff30-00000000000000000000000a";
    public const string B = "1-665aff30-00000000000000000000000b";
    public const string C = "1-665aff30-00000000000000000000000c";
    public const string D = "1-665aff30-00000000000000000000000d";
    public const string E = "1-665aff30-00000000000000000000000e";

    /// <summary>A: POST /orders/42 faults with 500 because the payment API behind "orders" answered 503; "orders" is sent in progress, then complete, and its DynamoDB call as an independent subsegment.</summary>
    public static readonly string[] DocumentsA =
    [
        $$$$"""{"name":"orders","id":"b000000000000001","parent_id":"a000000000000002","trace_id":"{{{{A}}}}","start_time":1717239600.02,"in_progress":true,"origin":"AWS::EC2::Instance","aws":{"account_id":"123456789012","ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"}}}""",
        $$$$"""{"type":"subsegment","name":"DynamoDB","id":"b000000000000002","parent_id":"b000000000000001","trace_id":"{{{{A}}}}","start_time":1717239600.1,"end_time":1717239600.3,"namespace":"aws","http":{"response":{"status":200}},"aws":{"operation":"PutItem","table_name":"orders-table","region":"us-east-1"}}""",
        $$$$"""
        {"name":"api","id":"a000000000000001","trace_id":"{{{{A}}}}","start_time":1717239600.0,"end_time":1717239601.5,
         "origin":"AWS::ApiGateway::Stage","resource_arn":"arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod","user":"alice","fault":true,
         "http":{"request":{"method":"POST","url":"https://api.example.com/orders/42","user_agent":"curl/8.0","client_ip":"203.0.113.7"},"response":{"status":500}},
         "aws":{"account_id":"123456789012"},
         "annotations":{"customer":"c7","paid":true},
         "subsegments":[{"name":"orders","id":"a000000000000002","namespace":"remote","start_time":1717239600.01,"end_time":1717239601.49,"fault":true,
           "http":{"request":{"method":"POST","url":"http://orders.internal/orders/42","traced":true},"response":{"status":500}}}]}
        """,
        $$$$"""
        {"name":"orders","id":"b000000000000001","parent_id":"a000000000000002","trace_id":"{{{{A}}}}","start_time":1717239600.02,"end_time":1717239601.48,
         "origin":"AWS::EC2::Instance","user":"alice","fault":true,
         "http":{"request":{"method":"POST","url":"http://orders.internal/orders/42"},"response":{"status":500}},
         "aws":{"account_id":"123456789012","ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"}},
         "annotations":{"customer":"c7","amount":12.5},
         "cause":{"exceptions":[{"id":"e000000000000001","type":"PaymentException","message":"payment failed"}]},
         "subsegments":[{"name":"payments.example.com","id":"b000000000000003","namespace":"remote","start_time":1717239600.4,"end_time":1717239601.4,"fault":true,
           "http":{"request":{"method":"POST","url":"https://payments.example.com/charge"},"response":{"status":503}},
           "cause":{"exceptions":[{"id":"e000000000000002","type":"HttpError","message":"Service Unavailable"}]}}]}
        """,
    ];

    /// <summary>B: GET /health succeeds in 0.3 s; "orders" reads the table.</summary>
    public static readonly string[] DocumentsB =
    [
        $$$$"""
        {"name":"api","id":"0b00000000000001","trace_id":"{{{{B}}}}","start_time":1717239610.0,"end_time":1717239610.3,"origin":"AWS::ApiGateway::Stage","user":"bob",
         "http":{"request":{"method":"GET","url":"https://api.example.com/health","user_agent":"Mozilla/5.0 (X11)","client_ip":"198.51.100.1"},"response":{"status":200}},
         "aws":{"account_id":"123456789012"},"annotations":{"customer":"c9","paid":false},
         "subsegments":[{"name":"orders","id":"0b00000000000002","namespace":"remote","start_time":1717239610.04,"end_time":1717239610.26,"http":{"request":{"method":"GET","url":"http://orders.internal/health","traced":true},"response":{"status":200}}}]}
        """,
        $$$$"""
        {"name":"orders","id":"0b00000000000003","parent_id":"0b00000000000002","trace_id":"{{{{B}}}}","start_time":1717239610.05,"end_time":1717239610.25,"origin":"AWS::EC2::Instance",
         "http":{"request":{"method":"GET","url":"http://orders.internal/health"},"response":{"status":200}},"aws":{"account_id":"123456789012"},
         "subsegments":[{"name":"DynamoDB","id":"0b00000000000004","namespace":"aws","start_time":1717239610.1,"end_time":1717239610.2,"http":{"response":{"status":200}},"aws":{"operation":"GetItem","table_name":"orders-table"}}]}
        """,
    ];

    /// <summary>C: POST /orders is throttled at the gateway with 429.</summary>
    public static readonly string[] DocumentsC =
    [
        $$$$"""
        {"name":"api","id":"0c00000000000001","trace_id":"{{{{C}}}}","start_time":1717239620.0,"end_time":1717239620.05,"origin":"AWS::ApiGateway::Stage","user":"alice","error":true,"throttle":true,
         "http":{"request":{"method":"POST","url":"https://api.example.com/orders","user_agent":"Mozilla/5.0 (X11)","client_ip":"198.51.100.2"},"response":{"status":429}},
         "aws":{"account_id":"123456789012"},"annotations":{"customer":"c7","amount":9}}
        """,
    ];

    /// <summary>D: GET /orders/7 is still in progress at the gateway; "orders" answered 404 in 0.8 s.</summary>
    public static readonly string[] DocumentsD =
    [
        $$$$"""
        {"name":"api","id":"0d00000000000001","trace_id":"{{{{D}}}}","start_time":1717239630.0,"in_progress":true,"origin":"AWS::ApiGateway::Stage",
         "http":{"request":{"method":"GET","url":"https://api.example.com/orders/7","user_agent":"Mozilla/5.0 (X11)","client_ip":"198.51.100.3"}},
         "aws":{"account_id":"123456789012"},"annotations":{"customer":"c1"},
         "subsegments":[{"name":"orders","id":"0d00000000000002","namespace":"remote","start_time":1717239630.05,"in_progress":true,"http":{"request":{"method":"GET","url":"http://orders.internal/orders/7","traced":true}}}]}
        """,
        $$$$"""
        {"name":"orders","id":"0d00000000000003","parent_id":"0d00000000000002","trace_id":"{{{{D}}}}","start_time":1717239630.1,"end_time":1717239630.9,"origin":"AWS::EC2::Instance","error":true,
         "http":{"request":{"method":"GET","url":"http://orders.internal/orders/7"},"response":{"status":404}},"aws":{"account_id":"123456789012"}}
        """,
    ];

    /// <summary>E: GET /orders?page=2 succeeds slowly (2.5 s); "orders" handles a conditional-check failure from the table.</summary>
    public static readonly string[] DocumentsE =
    [
        $$$$"""
        {"name":"api","id":"0e00000000000001","trace_id":"{{{{E}}}}","start_time":1717239640.0,"end_time":1717239642.5,"origin":"AWS::ApiGateway::Stage","user":"carol",
         "http":{"request":{"method":"GET","url":"https://api.example.com/orders?page=2","user_agent":"Mozilla/5.0 (X11)","client_ip":"198.51.100.4"},"response":{"status":200}},
         "aws":{"account_id":"123456789012"},"annotations":{"customer":"c7","amount":10.5,"paid":true},
         "subsegments":[{"name":"orders","id":"0e00000000000002","namespace":"remote","start_time":1717239640.1,"end_time":1717239642.4,"http":{"request":{"method":"GET","url":"http://orders.internal/orders?page=2","traced":true},"response":{"status":200}}}]}
        """,
        $$$$"""
        {"name":"orders","id":"0e00000000000003","parent_id":"0e00000000000002","trace_id":"{{{{E}}}}","start_time":1717239640.2,"end_time":1717239642.2,"origin":"AWS::EC2::Instance",
         "http":{"request":{"method":"GET","url":"http://orders.internal/orders?page=2"},"response":{"status":200}},"aws":{"account_id":"123456789012"},
         "subsegments":[{"name":"DynamoDB","id":"0e00000000000004","namespace":"aws","start_time":1717239640.3,"end_time":1717239640.4,"error":true,"http":{"response":{"status":400}},
           "aws":{"operation":"PutItem","table_name":"orders-table"},"cause":{"exceptions":[{"id":"e00000000000000e","type":"ConditionalCheckFailedException","message":"The conditional request failed"}]}}]}
        """,
    ];

    /// <summary>Assembles a trace from documents given as text, stored as their UTF-8 bytes.</summary>
    public static AssembledTrace Assemble(string traceId, IEnumerable<string> documents) =>
        TraceAssembler.Assemble(traceId, documents.Select(document => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(document)));

    public static AssembledTrace TraceA => Assemble(A, DocumentsA);

    public static AssembledTrace TraceB => Assemble(B, DocumentsB);

    public static AssembledTrace TraceC => Assemble(C, DocumentsC);

    public static AssembledTrace TraceD => Assemble(D, DocumentsD);

    public static AssembledTrace TraceE => Assemble(E, DocumentsE);

    /// <summary>All five traces, keyed by a one-letter name.</summary>
    public static IReadOnlyDictionary<string, AssembledTrace> All() => new Dictionary<string, AssembledTrace>
    {
        ["A"] = TraceA,
        ["B"] = TraceB,
        ["C"] = TraceC,
        ["D"] = TraceD,
        ["E"] = TraceE,
    };
}
