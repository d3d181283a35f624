using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>A key's whole life through the real AWS SDK for JavaScript v3, with the server clock moved past the deletion window.</summary>
public sealed class KmsLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task JavaScriptSdk_KeyLifecycle_EndsWithCiphertextGoneForGood()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var stateFile = Path.Combine(server.DataDirectory, "lifecycle-state.json");
        var environment = server.ClientEnvironment();
        environment["STATE_FILE"] = stateFile;
        environment["PHASE"] = "live";
        await NodeClients.RunTestScriptAsync("kms-lifecycle.test.mjs", environment, output);
        Assert.True(File.Exists(stateFile), "the live phase recorded its key");

        // Past the 7-day window: the sweep (or the next access) destroys the key material.
        var offset = TimeSpan.FromDays(8);
        clock.Advance(offset);
        Assert.Contains(server.Logs.Lines, line => line.Contains("Destroyed the key material of 1 key(s)", StringComparison.Ordinal));
        environment["PHASE"] = "deleted";
        environment["CLOCK_OFFSET_MS"] = ((long)offset.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await NodeClients.RunTestScriptAsync("kms-lifecycle.test.mjs", environment, output);
    }
}
