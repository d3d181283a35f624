using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Cli;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>Long commands say what they are doing and how far along they are: a line a second at most.</summary>
public sealed class ProgressTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-progress-" + Path.GetRandomFileName());

    /// <summary>With the interval at zero, every item gets its line, so a small store shows them without a timed test.</summary>
    private static readonly Dictionary<string, string> EveryItem = new() { [ProgressReporter.IntervalVariable] = "0" };

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public void Report_PrintsAtMostOneLinePerInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T10:00:00Z", CultureInfo.InvariantCulture));
        using var writer = new StringWriter();
        var progress = new ProgressReporter(writer, time, TimeSpan.FromSeconds(1));

        progress.Begin("checking 40,000 chunks");
        for (var done = 0; done < 40_000; done++)
        {
            progress.Report(done, 40_000, "checked", "chunks");
            if (done % 4_000 == 3_999)
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
            }
        }

        Assert.Equal(
            ["checking 40,000 chunks", "checked 8,000 of 40,000 chunks (20%)", "checked 16,000 of 40,000 chunks (40%)", "checked 24,000 of 40,000 chunks (60%)", "checked 32,000 of 40,000 chunks (80%)"],
            writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Check_SaysHowManyChunksItHasChecked()
    {
        var now = Now();
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            var (keyId, secret) = Hardening.DataDirectoryFiles.AdminCredentials(_data);
            using var client = new XRayApiClient(server.Endpoint, keyId, secret);
            foreach (var i in Enumerable.Range(1, 4))
            {
                // One request at a time: each trace is a chunk of its own.
                Assert.Empty(await client.PutTraceSegmentsAsync([Segment(TraceId(now - 60 + i, "9" + i), "a00000000000000" + i, "svc", now - 2, now - 1).ToJsonString()]));
            }
        }

        var check = await Run(["check", "--data", _data]);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("running SQLite's integrity check on ", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("opening 4 chunks in 1 account(s)", check.StandardOutput, StringComparison.Ordinal);
        foreach (var done in new[] { 0, 1, 2, 3 })
        {
            Assert.Contains(ProgressReporter.Line(done, 4, "checked", "chunks"), check.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains("chunks: 4 checked in 1 account(s), 0 damaged", check.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RootKeyRotate_SaysHowManyItemsItHasResealed()
    {
        var init = await Run(["init", "--data", _data]);
        Assert.True(init.ExitCode == 0, init.Output);

        var user = await Run(["users", "create", "reader", "--data", _data]);
        Assert.True(user.ExitCode == 0, user.Output);

        var rotate = await Run(["root-key", "rotate", "--data", _data]);
        Assert.True(rotate.ExitCode == 0, rotate.Output);

        // Two access-key secrets: the admin's and the reader's.
        Assert.Contains("re-sealing 2 key versions, access keys and service keys under a new root key", rotate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("re-sealed 1 of 2 items (50%)", rotate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("re-sealed 2 of 2 items (100%)", rotate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Added root key 2", rotate.StandardOutput, StringComparison.Ordinal);
    }

    private async Task<ProcessRunner.Result> Run(string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [ServerProcess.TracevaultDll, .. arguments], RepositoryPaths.Root, EveryItem);
        output.WriteLine(result.Output);
        return result;
    }
}
