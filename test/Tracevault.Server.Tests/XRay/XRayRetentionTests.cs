using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Retention on a fake clock: data older than the retention period is removed, newer data kept.</summary>
public sealed class XRayRetentionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_clock);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RemoveExpired_DataOlderThanThirtyDays_IsRemovedWithItsIndexAndNewerDataKept()
    {
        using var xray = XRayApiClient.For(_server);
        var retention = _server.Server.Services.GetServices<IHostedService>().OfType<RetentionService>().Single();
        var start = _clock.GetUtcNow().ToUnixTimeSeconds();
        var old = TraceId(start, "0e0000000000000000000001");
        Assert.Empty(await xray.PutTraceSegmentsAsync([Segment(old, "0e00000000000001", "old", start, start + 1).ToJsonString()]));

        _clock.Advance(TimeSpan.FromDays(20));
        var later = _clock.GetUtcNow().ToUnixTimeSeconds();
        var recent = TraceId(later, "0e0000000000000000000002");
        Assert.Empty(await xray.PutTraceSegmentsAsync([Segment(recent, "0e00000000000002", "recent", later, later + 1).ToJsonString()]));
        Assert.Equal(0, await retention.RemoveExpiredAsync(CancellationToken.None));
        Assert.NotEmpty(await xray.ReadTraceAsync(old));
        Assert.Equal(2, IndexEntries());

        _clock.Advance(TimeSpan.FromDays(11));
        await retention.RemoveExpiredAsync(CancellationToken.None);

        // The hourly timer runs on the same clock and may have removed it first: either way it is gone.
        Assert.Empty(await xray.ReadTraceAsync(old));
        Assert.NotEmpty(await xray.ReadTraceAsync(recent));
        var summaries = await xray.GetTraceSummariesAsync(start - 60, later + 60);
        Assert.Equal([recent], summaries["TraceSummaries"]!.AsArray().Select(s => s!["Id"]!.GetValue<string>()));
        Assert.Equal(1, IndexEntries());
        Assert.Contains(_server.Logs.Lines, line => line.Contains("Removed 1 chunks older than the retention period", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SegmentEndingAYearAhead_IsRefused_SoItsTraceStillExpires()
    {
        using var xray = XRayApiClient.For(_server);
        var retention = _server.Server.Services.GetServices<IHostedService>().OfType<RetentionService>().Single();
        var start = _clock.GetUtcNow().ToUnixTimeSeconds();
        var trace = TraceId(start, "0f0000000000000000000001");
        var yearAhead = start + (365 * 86400);

        var unprocessed = await xray.PutTraceSegmentsAsync(
        [
            Segment(trace, "0f00000000000001", "now", start, start + 1).ToJsonString(),
            Segment(trace, "0f00000000000002", "far", start, yearAhead).ToJsonString(),
            Segment(trace, "0f00000000000003", "late-start", yearAhead, yearAhead + 1).ToJsonString(),
        ]);

        Assert.Equal(
            [("0f00000000000002", "InvalidEndTime"), ("0f00000000000003", "InvalidStartTime")],
            unprocessed.Select(u => (u!["Id"]!.GetValue<string>(), u["ErrorCode"]!.GetValue<string>())).Order());
        Assert.Contains("more than 2 hours in the future", unprocessed[0]!["Message"]!.GetValue<string>(), StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromDays(31));
        await retention.RemoveExpiredAsync(CancellationToken.None);
        Assert.Empty(await xray.ReadTraceAsync(trace));
    }

    private long IndexEntries()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_server.DataDirectory, "tracevault.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM blind_index";
        return (long)count.ExecuteScalar()!;
    }
}
