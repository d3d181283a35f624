using System.Net;
using Google.Protobuf;
using Tracevault.Server.Otlp;
using Tracevault.Server.Otlp.Proto;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>The console's trace page shows what OTLP ingest keeps of a span: its attributes and its events.</summary>
public sealed class OtlpConsoleTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TracePage_ShowsASpansAttributesAndEvents_Escaped()
    {
        var start = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(start);
        var span = OtlpSpans.Span(traceId, start, "GET /orders", s =>
        {
            s.Attributes.Add(OtlpSpans.Attribute("order.note", "<b>five & six</b>"));
            s.Attributes.Add(new KeyValue { Key = "order.count", Value = new AnyValue { IntValue = 42 } });
            s.EndTimeUnixNano = s.StartTimeUnixNano + 5_000_000;
            var spanEvent = new Span.Types.Event { Name = "cache <miss>", TimeUnixNano = s.StartTimeUnixNano + 2_500_000 };
            spanEvent.Attributes.Add(OtlpSpans.Attribute("cache.key", "k&1"));
            s.Events.Add(spanEvent);
        });
        var body = OtlpSpans.Request("orders-svc", span).ToByteArray();
        using (var signed = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret))
        using (var response = await signed.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", body, "application/x-protobuf", [], null, null))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var page = await client.GetAsync("/console/traces/" + OtlpSpans.XRayId(traceId));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Contains("<table class=\"kv otel-attributes\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>order.note</th><td>&lt;b&gt;five &amp; six&lt;/b&gt;</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>order.count</th><td>42</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>http.request.method</th><td>GET</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"event-name\">cache &lt;miss&gt;</span>", html, StringComparison.Ordinal);
        Assert.Contains("(+2.5 ms)", html, StringComparison.Ordinal);
        Assert.Contains("<table class=\"kv otel-event-attributes\"><tbody><tr><th>cache.key</th><td>k&amp;1</td></tr></tbody></table>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>five", html, StringComparison.Ordinal);
    }
}
