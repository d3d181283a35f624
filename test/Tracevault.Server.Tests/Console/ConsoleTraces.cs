using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Console;

/// <summary>The traces the console tests look at, sent through the real <c>PutTraceSegments</c> API.</summary>
public sealed class ConsoleTraces
{
    private ConsoleTraces(string checkoutTraceId, string homeTraceId)
    {
        CheckoutTraceId = checkoutTraceId;
        HomeTraceId = homeTraceId;
    }

    /// <summary>frontend (annotation customer = c7) → calls backend, which faults; frontend also renders locally.</summary>
    public string CheckoutTraceId { get; }

    /// <summary>frontend alone, a 404, with an annotation that holds markup.</summary>
    public string HomeTraceId { get; }

    /// <summary>An annotation value that would inject markup if the console did not encode it.</summary>
    public const string MarkupAnnotation = "<img src=x id=injected onerror=alert(1)>";

    /// <summary>Sends the traces as the server's admin and checks every segment was stored.</summary>
    public static async Task<ConsoleTraces> PutAsync(TestServer server)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var checkout = TraceId(now, "c0ffee");
        var home = TraceId(now, "b0b0b0");
        var start = now - 3;

        var frontend = new JsonObject
        {
            ["trace_id"] = checkout,
            ["id"] = "f000000000000001",
            ["name"] = "frontend",
            ["origin"] = "AWS::EC2::Instance",
            ["start_time"] = start,
            ["end_time"] = start + 0.9,
            ["http"] = new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "https://shop.example/checkout", ["client_ip"] = "10.0.0.7", ["user_agent"] = "test-browser" },
                ["response"] = new JsonObject { ["status"] = 200 },
            },
            ["annotations"] = new JsonObject { ["customer"] = "c7", ["items"] = 3 },
            ["metadata"] = new JsonObject { ["debug"] = new JsonObject { ["cart"] = "cart-4711" } },
            ["subsegments"] = new JsonArray
            {
                new JsonObject
                {
                    ["id"] = "5000000000000001",
                    ["name"] = "backend",
                    ["namespace"] = "remote",
                    ["start_time"] = start + 0.1,
                    ["end_time"] = start + 0.6,
                    ["http"] = new JsonObject
                    {
                        ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "http://backend.internal/stock", ["traced"] = true },
                        ["response"] = new JsonObject { ["status"] = 500 },
                    },
                },
                new JsonObject
                {
                    ["id"] = "5000000000000002",
                    ["name"] = "render-page",
                    ["start_time"] = start + 0.65,
                    ["end_time"] = start + 0.85,
                    ["annotations"] = new JsonObject { ["template"] = "checkout.html" },
                },
            },
        };
        var backend = new JsonObject
        {
            ["trace_id"] = checkout,
            ["id"] = "b000000000000001",
            ["parent_id"] = "5000000000000001",
            ["name"] = "backend",
            ["start_time"] = start + 0.12,
            ["end_time"] = start + 0.58,
            ["http"] = new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "http://backend.internal/stock" },
                ["response"] = new JsonObject { ["status"] = 500 },
            },
            ["fault"] = true,
            ["cause"] = new JsonObject
            {
                ["working_directory"] = "/srv",
                ["exceptions"] = new JsonArray { new JsonObject { ["id"] = "e000000000000001", ["type"] = "StockUnavailableException", ["message"] = "stock service timed out" } },
            },
            ["subsegments"] = new JsonArray
            {
                new JsonObject { ["id"] = "5000000000000003", ["name"] = "query-stock", ["start_time"] = start + 0.15, ["end_time"] = start + 0.55, ["fault"] = true },
            },
        };
        var homePage = new JsonObject
        {
            ["trace_id"] = home,
            ["id"] = "f000000000000002",
            ["name"] = "frontend",
            ["origin"] = "AWS::EC2::Instance",
            ["start_time"] = start + 1,
            ["end_time"] = start + 1.05,
            ["http"] = new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "https://shop.example/missing" },
                ["response"] = new JsonObject { ["status"] = 404 },
            },
            ["annotations"] = new JsonObject { ["customer"] = "c9", ["note"] = MarkupAnnotation },
        };

        var body = new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(frontend.ToJsonString(), backend.ToJsonString(), homePage.ToJsonString()) };
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        using var response = await client.XRayAsync("/TraceSegments", SignedHttpClient.Json(body.ToJsonString()));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, answer);
        using var json = JsonDocument.Parse(answer);
        Assert.Equal(0, json.RootElement.GetProperty("UnprocessedTraceSegments").GetArrayLength());
        return new ConsoleTraces(checkout, home);
    }

    private static string TraceId(double now, string tag) =>
        $"1-{((long)now).ToString("x8", CultureInfo.InvariantCulture)}-{tag}{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9))}";
}
