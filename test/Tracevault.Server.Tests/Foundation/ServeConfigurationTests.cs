using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary><c>serve</c> options from the environment and a JSON file: command line over environment over file over defaults.</summary>
public sealed class ServeConfigurationTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-config-" + Path.GetRandomFileName());
    private readonly List<string> _configs = [];

    public void Dispose()
    {
        foreach (var config in _configs)
        {
            File.Delete(config);
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task Listen_FromEnvironment_MovesThePort()
    {
        var port = ServerProcess.FreePort();
        await using var server = await StartAsync(port, new() { ["TRACEVAULT_LISTEN"] = $"127.0.0.1:{port}", ["TRACEVAULT_DATA"] = _data });
        await AssertServesAsync(server);
        Assert.True(File.Exists(Path.Combine(_data, "credentials")), "TRACEVAULT_DATA was not used");
    }

    [Fact]
    public async Task Listen_FromConfigFile_MovesThePort()
    {
        var port = ServerProcess.FreePort();
        var file = WriteConfig(new() { ["listen"] = $"127.0.0.1:{port}", ["data"] = _data });
        await using var server = await StartAsync(port, [], "--config", file);
        await AssertServesAsync(server);
    }

    [Fact]
    public async Task Listen_CommandLineOverEnvironmentOverFile()
    {
        int fromFile = ServerProcess.FreePort(), fromEnvironment = ServerProcess.FreePort(), fromCommandLine = ServerProcess.FreePort();
        var file = WriteConfig(new() { ["listen"] = $"127.0.0.1:{fromFile}", ["data"] = _data });
        var environment = new Dictionary<string, string> { ["TRACEVAULT_LISTEN"] = $"127.0.0.1:{fromEnvironment}" };
        await using (var server = await StartAsync(fromCommandLine, environment, "--config", file, "--listen", $"127.0.0.1:{fromCommandLine}"))
        {
            await AssertServesAsync(server);
        }

        await using (var server = await StartAsync(fromEnvironment, environment, "--config", file))
        {
            await AssertServesAsync(server);
        }
    }

    [Fact]
    public async Task RetentionDays_FromEnvironment_RefusesOlderTraces()
    {
        var port = ServerProcess.FreePort();
        await using var server = await StartAsync(port, new() { ["TRACEVAULT_RETENTION_DAYS"] = "1" }, "--data", _data, "--listen", $"127.0.0.1:{port}");
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        using var http = new SignedHttpClient(server.Endpoint, keyId, secret);
        async Task<int> UnprocessedAsync(DateTimeOffset at)
        {
            using var response = await http.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(at), at)]));
            var text = await response.Content.ReadAsStringAsync();
            output.WriteLine(text);
            return JsonDocument.Parse(text).RootElement.GetProperty("UnprocessedTraceSegments").GetArrayLength();
        }

        Assert.Equal(0, await UnprocessedAsync(DateTimeOffset.UtcNow.AddHours(-12)));
        Assert.Equal(1, await UnprocessedAsync(DateTimeOffset.UtcNow.AddDays(-2)));
    }

    [Fact]
    public async Task Help_NamesEachOptionsVariable()
    {
        var help = await ServerProcess.RunCommandAsync("serve", "--help");
        output.WriteLine(help.Output);
        foreach (var name in new[] { "TRACEVAULT_DATA", "TRACEVAULT_LISTEN", "TRACEVAULT_REGION", "TRACEVAULT_UDP_RECEIVE_BUFFER", "TRACEVAULT_OTLP_HTTP", "TRACEVAULT_RETENTION_DAYS", "TRACEVAULT_CONFIG" })
        {
            Assert.Contains(name, help.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadValues_FromEnvironmentOrFile_AreRefusedNamingTheSource()
    {
        // Should a regression start the server anyway, it serves on a port of its own and is ended after a minute.
        var environment = await ProcessRunner.RunAsync("dotnet", [ServerProcess.TracevaultDll, "serve", "--data", _data, "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off"], RepositoryPaths.Root,
            new Dictionary<string, string> { ["TRACEVAULT_UDP_RECEIVE_BUFFER"] = "lots" }, TimeSpan.FromMinutes(1));
        Assert.Equal(2, environment.ExitCode);
        Assert.Contains("TRACEVAULT_UDP_RECEIVE_BUFFER", environment.StandardError, StringComparison.Ordinal);
        var missing = await ProcessRunner.RunAsync("dotnet", [ServerProcess.TracevaultDll, "serve", "--config", Path.Combine(_data, "nope.json"), "--data", _data, "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off"], RepositoryPaths.Root, timeout: TimeSpan.FromMinutes(1));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_data));
    }

    private static async Task AssertServesAsync(ServerProcess server)
    {
        Assert.Contains($"Tracevault is serving on http://127.0.0.1:{server.Port}", server.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.Endpoint + "/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string WriteConfig(Dictionary<string, object> settings)
    {
        var path = Path.Combine(Path.GetTempPath(), "tracevault-config-" + Path.GetRandomFileName() + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        _configs.Add(path);
        return path;
    }

    private static Task<ServerProcess> StartAsync(int port, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--otlp-http", "off", "--otlp-grpc", "off" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return ServerProcess.StartAsync(start, port);
    }
}
