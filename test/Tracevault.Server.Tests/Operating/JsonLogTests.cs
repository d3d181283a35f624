using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Operating;

/// <summary><c>--log-format json</c> on the real server process: one JSON object a line, each with its event id, from start to stop.</summary>
public sealed class JsonLogTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-jsonlog-" + Path.GetRandomFileName());
    private readonly string _canary = "canary-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task JsonLog_StartRequestsKeyDisabledAndEnabledStop_EveryLineIsJsonWithAnEventId()
    {
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", _data, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off", "--metrics", "off" })
        {
            start.ArgumentList.Add(argument);
        }

        // From the environment, as a service manager's unit file would set it.
        start.Environment["TRACEVAULT_LOG_FORMAT"] = "json";
        await using var server = await ServerProcess.StartAsync(start, port);
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        using var http = new SignedHttpClient(server.Endpoint, keyId, secret);
        var keyArn = (await JsonAsync(await http.KmsAsync("CreateKey", SignedHttpClient.Json("{}")))).GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        await JsonAsync(await http.XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json($$"""{"Type":"KMS","KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the setting is ACTIVE", async () =>
            (await JsonAsync(await http.XRayAsync("/EncryptionConfig", SignedHttpClient.Json("{}")))).GetProperty("EncryptionConfig").GetProperty("Status").GetString() == "ACTIVE");
        Assert.Equal(0, await UnprocessedAsync(http));

        await JsonAsync(await http.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the stopped line", () => server.Output.Contains("Storing stopped", StringComparison.Ordinal));
        Assert.Equal(1, await UnprocessedAsync(http));
        await JsonAsync(await http.KmsAsync("EnableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the resumed line", () => server.Output.Contains("Storing resumed", StringComparison.Ordinal));
        await Eventually.WaitAsync("segments are stored again", async () => await UnprocessedAsync(http) == 0);
        await server.StopAsync();
        output.WriteLine(server.Output);

        // Every line, of both streams, is one JSON object with a non-zero event id.
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(server.Output, server.StandardOutput);
        var entries = new List<JsonElement>();
        foreach (var line in lines)
        {
            var entry = JsonDocument.Parse(line).RootElement.Clone();
            Assert.Equal(JsonValueKind.Object, entry.ValueKind);
            Assert.True(entry.TryGetProperty("EventId", out var eventId) && eventId.GetInt32() > 0, "no event id: " + line);
            Assert.True(entry.TryGetProperty("Message", out _), "no message: " + line);
            entries.Add(entry);
        }

        int[] expected = [1, 3, 260, 132, 133, 7];
        Assert.All(expected, id => Assert.Contains(entries, e => e.GetProperty("EventId").GetInt32() == id));
        var stopped = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 132);
        Assert.Equal(keyArn, stopped.GetProperty("State").GetProperty("KeyArn").GetString());
        Assert.Contains("Disabled", stopped.GetProperty("State").GetProperty("Reason").GetString()!, StringComparison.OrdinalIgnoreCase);
        var resumed = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 133);
        Assert.Equal(keyArn, resumed.GetProperty("State").GetProperty("KeyArn").GetString());
        Assert.Contains("e.g. aws --endpoint-url", Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 260).GetProperty("Message").GetString()!, StringComparison.Ordinal);

        LogCheck.AssertClean(server.Output, _data, _canary);
    }

    private async Task<int> UnprocessedAsync(SignedHttpClient http)
    {
        var now = DateTimeOffset.UtcNow;
        var body = TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now, canary: _canary)]);
        return (await JsonAsync(await http.XRayAsync("/TraceSegments", body))).GetProperty("UnprocessedTraceSegments").GetArrayLength();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
