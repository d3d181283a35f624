using System.Net;
using System.Text.Json;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Encryption;

/// <summary>The real server says in its log when an account's storing stops because its KMS key became unusable, and when it resumes.</summary>
public sealed class StoringStatusLogTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-storing-" + Path.GetRandomFileName());

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
    public async Task DisableThenEnableKey_LogsOneStoppedLineWithKeyAndReason_ThenOneResumedLine()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        using var http = new SignedHttpClient(server.Endpoint, keyId, secret);
        var keyArn = (await JsonAsync(await http.KmsAsync("CreateKey", SignedHttpClient.Json("{}")))).GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        await JsonAsync(await http.XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json($$"""{"Type":"KMS","KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the setting is ACTIVE", async () =>
            (await JsonAsync(await http.XRayAsync("/EncryptionConfig", SignedHttpClient.Json("{}")))).GetProperty("EncryptionConfig").GetProperty("Status").GetString() == "ACTIVE");
        Assert.Equal(0, await UnprocessedAsync(http));

        await JsonAsync(await http.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the stopped line", () => server.Output.Contains("Storing stopped", StringComparison.Ordinal));
        // Every refused write and every propagation round meets the stop again; none of them says it again.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await UnprocessedAsync(http));
        }

        await JsonAsync(await http.KmsAsync("EnableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")));
        await Eventually.WaitAsync("the resumed line", () => server.Output.Contains("Storing resumed", StringComparison.Ordinal));
        await Eventually.WaitAsync("segments are stored again", async () => await UnprocessedAsync(http) == 0);
        output.WriteLine(server.Output);

        var stopped = server.Output.Split('\n').Where(l => l.Contains("Storing stopped", StringComparison.Ordinal)).ToList();
        var stoppedLine = Assert.Single(stopped);
        Assert.Contains(keyArn, stoppedLine, StringComparison.Ordinal);
        Assert.Matches("Disabled|disabled", stoppedLine);
        var resumed = Assert.Single(server.Output.Split('\n'), l => l.Contains("Storing resumed", StringComparison.Ordinal));
        Assert.Contains(keyArn, resumed, StringComparison.Ordinal);
        Assert.True(server.Output.IndexOf(stoppedLine, StringComparison.Ordinal) < server.Output.IndexOf(resumed, StringComparison.Ordinal));
    }

    private static async Task<int> UnprocessedAsync(SignedHttpClient http)
    {
        var now = DateTimeOffset.UtcNow;
        var body = TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)]);
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
