using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary>The console's second half in headless Chromium: keys, the Encryption page, the key-unusable notification, the audit trail and key costs.</summary>
public sealed class ConsoleKeysTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>May use every X-Ray operation, but has no KMS permission at all: no kms:Decrypt on the account's key.</summary>
    private const string XRayOnlyPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:*"],"Resource":"*"}]}""";

    private const string SlowNode = "node-console-test-slow";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browser_KeysEncryptionNotificationAuditScript_Passes()
    {
        var xrayOnly = _server.CreateUser("xray-only", XRayOnlyPolicy);
        var counters = _server.Server.Services.GetRequiredService<IngestCounters>();
        var droppedBefore = counters.DroppedStoringStopped;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var storedTraceId = TraceId(now);
        var droppedTraceId = TraceId(now);
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);

        var environment = _server.ClientEnvironment();
        environment["XRAYONLY_ACCESS_KEY_ID"] = xrayOnly.AccessKeyId;
        environment["XRAYONLY_SECRET_ACCESS_KEY"] = xrayOnly.SecretAccessKey;
        environment["UDP_PORT"] = _server.Server.Endpoint.Port.ToString(CultureInfo.InvariantCulture);
        environment["STORED_TRACE_ID"] = storedTraceId;
        environment["DROPPED_TRACE_ID"] = droppedTraceId;
        environment["SCREENSHOTS"] = screenshots;

        // A second, slower node: it takes every new setting up a second and a half late, so UPDATING is there to be seen.
        using var stop = new CancellationTokenSource();
        var slowNode = RunSlowNodeAsync(_server.Server.Services.GetRequiredService<IEncryptionSettingRepository>(), stop.Token);
        try
        {
            await NodeClients.RunTestScriptAsync("console-keys.test.mjs", environment, output);
        }
        finally
        {
            await stop.CancelAsync();
            await slowNode;
        }

        Assert.True(counters.DroppedStoringStopped > droppedBefore, "the UDP segment sent while the key was disabled was counted as dropped");
        using var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        Assert.Contains("\"Traces\":[]", await BatchGetAsync(api, droppedTraceId), StringComparison.Ordinal);
        Assert.Contains(storedTraceId, await BatchGetAsync(api, storedTraceId), StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Logs.Lines, m => m.Contains(_server.AdminSecret, StringComparison.Ordinal) || m.Contains(xrayOnly.SecretAccessKey, StringComparison.Ordinal));
    }

    private static async Task<string> BatchGetAsync(SignedHttpClient api, string traceId)
    {
        using var response = await api.XRayAsync("/Traces", SignedHttpClient.Json($$"""{"TraceIds":["{{traceId}}"]}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }

    private static async Task RunSlowNodeAsync(IEncryptionSettingRepository settings, CancellationToken cancellationToken)
    {
        var firstSeen = new ConcurrentDictionary<(string, int), DateTimeOffset>();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            settings.Heartbeat(SlowNode, now);
            foreach (var setting in settings.ListCurrent())
            {
                var seen = firstSeen.GetOrAdd((setting.AccountId, setting.Version), now);
                if (now - seen > TimeSpan.FromSeconds(1.5))
                {
                    settings.Acknowledge(setting.AccountId, setting.Version, SlowNode, now);
                }
            }

            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string TraceId(long now) =>
        $"1-{now.ToString("x8", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
}
