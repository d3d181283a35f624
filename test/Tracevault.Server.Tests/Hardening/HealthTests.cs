using System.Net;
using System.Text.Json;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Hardening;

/// <summary><c>/health</c> and <c>/ready</c> on the real server: unauthenticated, saying nothing about the data, and not ready when the data directory cannot be written.</summary>
public sealed class HealthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "tracevault-ready-" + Path.GetRandomFileName());
    private bool _mounted;

    private string Data => Path.Combine(_mount, "data");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_mounted)
        {
            await ProcessRunner.RunAsync("umount", ["-l", Data], Path.GetTempPath());
        }

        try
        {
            Directory.Delete(_mount, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task HealthAndReady_Unauthenticated_AnswerWithoutNamingTheData()
    {
        await using var server = await ServerProcess.StartAsync(Data);
        using var http = new HttpClient();
        var accountId = System.Text.RegularExpressions.Regex.Match(server.Output, "account (\\d{12})").Groups[1].Value;
        foreach (var (path, status) in new[] { ("/health", "alive"), ("/ready", "ready") })
        {
            using var response = await http.GetAsync(server.Endpoint + path);
            var text = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(status, JsonDocument.Parse(text).RootElement.GetProperty("status").GetString());
            Assert.DoesNotContain(accountId, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Data, text, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFiles(Data, ".ready-probe*"));
    }

    [SkippableFact]
    public async Task Ready_DataDirectoryReadOnly_SaysNotReadyAndRecovers()
    {
        // chmod binds no root, so the data directory is made read-only by the kernel: a read-only bind mount over itself,
        // made after the start (the server's open files stay on the file system beneath, as a disk turned read-only under it).
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "needs root on Linux to bind-mount the data directory read-only");
        await using var server = await ServerProcess.StartAsync(Data);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(server.Endpoint + "/ready")).StatusCode);

        var bind = await ProcessRunner.RunAsync("mount", ["--bind", Data, Data], Path.GetTempPath());
        Skip.If(bind.ExitCode != 0, "could not bind-mount: " + bind.Output);
        _mounted = true;
        var readOnly = await ProcessRunner.RunAsync("mount", ["-o", "remount,bind,ro", Data], Path.GetTempPath());
        Assert.True(readOnly.ExitCode == 0, readOnly.Output);
        var refused = await Eventually.WaitAsync("/ready says not ready", () => ReadyAsync(http, server), r => r.Status == HttpStatusCode.ServiceUnavailable, describe: r => $"{r.Status} {r.Body}");
        output.WriteLine(refused.Body);
        var checks = JsonDocument.Parse(refused.Body).RootElement.GetProperty("checks");
        Assert.Equal("failing", checks.GetProperty("writable").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(server.Endpoint + "/health")).StatusCode);

        // A connection the server opened while the mount was there holds it ("target is busy") until the server lets it go:
        // tried again for a while, then detached lazily (what it holds stays read-only; new files go to the writable disk).
        var writable = await ProcessRunner.RunAsync("umount", [Data], Path.GetTempPath());
        for (var attempt = 0; attempt < 40 && writable.ExitCode != 0 && writable.Output.Contains("busy", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            writable = await ProcessRunner.RunAsync("umount", [Data], Path.GetTempPath());
        }

        if (writable.ExitCode != 0 && writable.Output.Contains("busy", StringComparison.Ordinal))
        {
            output.WriteLine("umount: " + writable.Output + " — detaching lazily");
            writable = await ProcessRunner.RunAsync("umount", ["-l", Data], Path.GetTempPath());
        }

        Assert.True(writable.ExitCode == 0, writable.Output);
        _mounted = false;
        await Eventually.WaitAsync("/ready is ready again", () => ReadyAsync(http, server), r => r.Status == HttpStatusCode.OK, describe: r => $"{r.Status} {r.Body}");

        // The console logger writes on its own thread: the lines may follow the answers that caused them.
        await Eventually.WaitAsync("the log says ready again", () => server.Output.Contains("Ready again", StringComparison.Ordinal));
        output.WriteLine(server.Output);
        Assert.Contains("Not ready (GET /ready answers 503): the data directory is not writable", server.Output, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient http, ServerProcess server)
    {
        using var response = await http.GetAsync(server.Endpoint + "/ready");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
