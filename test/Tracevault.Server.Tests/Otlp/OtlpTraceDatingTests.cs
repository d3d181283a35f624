using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>Traces with random W3C ids are dated by their spans, not by the "time" in their first four bytes: found, listed and removed by their real time.</summary>
public sealed class OtlpTraceDatingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_clock);
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task W3CIdsWhoseSecondsSay2001And2090_AreFoundInTheLastFiveMinutes_ByEveryReader_AndRemovedByRetentionOnTheirRealTime()
    {
        // As an SDK sends them: each trace's client span in one export (it ends first), its server span in the next, so the trace
        // lies in two chunks whose spans start 200 ms apart.
        var now = _clock.GetUtcNow();
        var ids = new[] { new DateTimeOffset(2001, 3, 4, 5, 6, 7, TimeSpan.Zero), new DateTimeOffset(2090, 1, 2, 3, 4, 5, TimeSpan.Zero) }
            .Select(OtlpSpans.XRayStyleTraceId).ToList();
        var roots = ids.Select(id => OtlpSpans.Span(id, now, "GET /orders")).ToList();
        var children = ids.Zip(roots, (id, root) => OtlpSpans.Span(id, now.AddMilliseconds(200), "call-stock", s =>
        {
            s.ParentSpanId = root.SpanId;
            s.Kind = Tracevault.Server.Otlp.Proto.Span.Types.SpanKind.Client;
        })).ToList();
        await ExportAsync(OtlpSpans.Request("dated-by-spans", [.. children]));
        await ExportAsync(OtlpSpans.Request("dated-by-spans", [.. roots]));
        var xrayIds = ids.Select(OtlpSpans.XRayId).Order(StringComparer.Ordinal).ToList();

        using var xray = XRayApiClient.For(_server);
        var lastFiveMinutes = await xray.GetTraceSummariesAsync(now.AddMinutes(-5).ToUnixTimeSeconds(), now.AddSeconds(1).ToUnixTimeSeconds());
        Assert.Equal(xrayIds, lastFiveMinutes["TraceSummaries"]!.AsArray().Select(s => s!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            var idTime = BitConverter.ToUInt32([.. id.Take(4).Reverse()]);
            var aroundIdTime = await xray.GetTraceSummariesAsync(idTime - 300, idTime + 300);
            Assert.Empty(aroundIdTime["TraceSummaries"]!.AsArray());
        }

        var traces = (await xray.BatchGetTracesAsync([.. xrayIds]))["Traces"]!.AsArray();
        Assert.Equal(xrayIds, traces.Select(t => t!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(traces, t => Assert.Equal(2, t!["Segments"]!.AsArray().Count));

        using (var console = new ConsoleHttpClient(_server.Endpoint))
        {
            using var signedIn = await console.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
            using var page = await console.GetAsync("/console/traces?range=5m");
            var html = await page.Content.ReadAsStringAsync();
            Assert.All(xrayIds, id => Assert.Contains(id, html, StringComparison.Ordinal));
        }

        // The chunks are dated by the spans: retention keeps them while they are young and removes them, index and all, when they are not.
        var retention = _server.Server.Services.GetServices<IHostedService>().OfType<RetentionService>().Single();
        Assert.True(Count("SELECT COUNT(*) FROM chunks WHERE max_time > $now + 3600") == 0, "a chunk's time range reaches the id's 2090");
        Assert.True(Count("SELECT COUNT(*) FROM chunks WHERE min_time < $now - 3600") == 0, "a chunk's time range reaches the id's 2001");
        _clock.Advance(TimeSpan.FromDays(20));
        await retention.RemoveExpiredAsync(CancellationToken.None);
        Assert.Equal(2, (await xray.BatchGetTracesAsync([.. xrayIds]))["Traces"]!.AsArray().Count);

        _clock.Advance(TimeSpan.FromDays(11));
        await retention.RemoveExpiredAsync(CancellationToken.None);
        Assert.Empty((await xray.BatchGetTracesAsync([.. xrayIds]))["Traces"]!.AsArray());
        Assert.Equal(0, Count("SELECT COUNT(*) FROM chunks"));
        Assert.Equal(0, Count("SELECT (SELECT COUNT(*) FROM blind_index) + (SELECT COUNT(*) FROM undated_index)"));

        long Count(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_server.DataDirectory, "tracevault.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$now", now.ToUnixTimeSeconds());
            return (long)command.ExecuteScalar()!;
        }
    }

    private async Task ExportAsync(Tracevault.Server.Otlp.Proto.ExportTraceServiceRequest request)
    {
        using var response = await _http.SendAsync(OtlpSpans.Post(_server.Endpoint + OtlpHttpEndpoint.TracesPath, request.ToByteArray()));
        Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
    }
}
