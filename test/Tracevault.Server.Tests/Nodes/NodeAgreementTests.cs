using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Encryption;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Traces;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>Several nodes over one store agree: on a key's usability, on encryption settings and their acknowledgements, on data keys per node and window.</summary>
public sealed class NodeAgreementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AKeyDisabledThroughOneNode_StopsTheOtherStoring_WithTheNotice_AndEnabledAgain_BothResume()
    {
        await using var nodes = await NodeGroup.StartAsync(2);
        var (a, b) = (nodes[0], nodes[1]);
        await DisableThroughOneNode_StopsTheOther_AndEnabledBothResumeAsync(a.Endpoint, b.Endpoint, a.AdminAccessKeyId, a.AdminSecret,
            whileStopped: () => Assert.Equal(1, b.Server.Services.GetRequiredService<DataKeyPolicy>().StoppedAccountCount));
        Assert.Equal(0, b.Server.Services.GetRequiredService<DataKeyPolicy>().StoppedAccountCount);
    }

    /// <summary>
    /// Node A disables the account's customer key through the KMS API: node B refuses to store and its console shows the notice;
    /// enabled again through A, both store again and the notice is gone.
    /// </summary>
    internal static async Task DisableThroughOneNode_StopsTheOther_AndEnabledBothResumeAsync(string endpointA, string endpointB, string accessKeyId, string secret, Action? whileStopped = null)
    {
        using var clientA = new SignedHttpClient(endpointA, accessKeyId, secret);
        using var clientB = new SignedHttpClient(endpointB, accessKeyId, secret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(clientA);
        await EncryptionSettingsTests.PutKmsSettingAsync(clientA, keyArn);
        await EncryptionSettingsTests.WaitForActiveAsync(clientA);
        await EncryptionSettingsTests.WaitForActiveAsync(clientB);

        // Node B stores under the key, so it holds the key's revision and a data key in memory.
        Assert.Null(await PutOneAsync(clientB));
        await KmsAsync(clientA, "DisableKey", keyArn);

        // Each node looks for key changes every EncryptionSettingsOptions.PropagationInterval (at most 250 ms), so B refuses
        // within a second by design; the wait's ceiling is only a generous bound for a loaded machine, never the assertion.
        var refusal = await Eventually.WaitAsync("node B refuses to store under the key disabled through node A", () => PutOneAsync(clientB), error => error is not null);
        Assert.Equal("KMSKeyUnusable", refusal!.Value.Code);
        Assert.Contains(keyArn, refusal.Value.Message);
        Assert.Contains("disabled", refusal.Value.Message);
        whileStopped?.Invoke();
        Assert.Contains(keyArn, await ConsoleNoticeAsync(endpointB, accessKeyId, secret));
        Assert.Equal("KMSKeyUnusable", (await PutOneAsync(clientA))?.Code);

        await KmsAsync(clientA, "EnableKey", keyArn);
        await Eventually.WaitAsync("node B stores again once the key is enabled through node A", async () => await PutOneAsync(clientB) is null);
        Assert.Null(await PutOneAsync(clientA));
        await Eventually.WaitAsync("node B's console drops the notice", async () => (await ConsoleNoticeAsync(endpointB, accessKeyId, secret)).Length == 0);
    }

    [Fact]
    public async Task ASetting_IsUpdatingUntilEveryLiveNodeAcknowledged_ADeadNodeStopsCountingAfterTheTimeout_AndAJoiningNodeStoresUnderIt()
    {
        // A fake clock holds each node's propagation loop between rounds; the test runs the rounds itself.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var nodes = await NodeGroup.StartAsync(2, clock);
        var (a, b) = (nodes[0], nodes[1]);
        var settingsA = a.Server.Services.GetRequiredService<EncryptionSettingsService>();
        var settingsB = b.Server.Services.GetRequiredService<EncryptionSettingsService>();
        using var clientA = new SignedHttpClient(a.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        using var clientB = new SignedHttpClient(b.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(clientA, clock.GetUtcNow());

        Assert.Equal("UPDATING", (await EncryptionSettingsTests.PutKmsSettingAsync(clientA, keyArn, clock.GetUtcNow())).GetProperty("EncryptionConfig").GetProperty("Status").GetString());
        settingsA.PropagateOnce();
        Assert.Equal("UPDATING", await StatusAsync(clientA, clock));
        Assert.Equal("UPDATING", await StatusAsync(clientB, clock));
        settingsB.PropagateOnce();
        Assert.Equal("ACTIVE", await StatusAsync(clientA, clock));
        Assert.Equal("ACTIVE", await StatusAsync(clientB, clock));

        // Back to default encryption; node B dies before it takes the change up.
        using (var none = await clientA.XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json("""{"Type":"NONE"}"""), clock.GetUtcNow()))
        {
            Assert.Equal("UPDATING", (await TraceDocuments.ReadJsonAsync(none)).GetProperty("EncryptionConfig").GetProperty("Status").GetString());
        }

        await nodes.StopAsync(b);
        settingsA.PropagateOnce();
        Assert.Equal("UPDATING", await StatusAsync(clientA, clock));
        var timeout = a.Server.Services.GetRequiredService<EncryptionSettingsOptions>().NodeTimeout;
        clock.Advance(timeout - TimeSpan.FromSeconds(1));
        settingsA.PropagateOnce();
        Assert.Equal("UPDATING", await StatusAsync(clientA, clock));
        clock.Advance(TimeSpan.FromSeconds(2));
        settingsA.PropagateOnce();
        Assert.Equal("ACTIVE", await StatusAsync(clientA, clock));

        // Back to the KMS key; a node that joins now seals its first chunk under it, before it ever ran a propagation round
        // of its own, and the setting is UPDATING until it acknowledged.
        await EncryptionSettingsTests.PutKmsSettingAsync(clientA, keyArn, clock.GetUtcNow());
        settingsA.PropagateOnce();
        Assert.Equal("ACTIVE", await StatusAsync(clientA, clock));
        var store = a.Server.Services.GetRequiredService<ITraceStore>();
        var defaultChunks = await DefaultChunksAsync(store);
        var c = await nodes.AddAsync(clock);
        using var clientC = new SignedHttpClient(c.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        Assert.Null(await PutOneAsync(clientC, clock.GetUtcNow()));
        Assert.Equal(defaultChunks, await DefaultChunksAsync(store));
        var settingRepository = a.Server.Services.GetRequiredService<IEncryptionSettingRepository>();
        var newest = (await store.DataKeyUsageAsync(CancellationToken.None)).Where(u => u.DataKeyReference.StartsWith("kms/", StringComparison.Ordinal)).MaxBy(u => long.Parse(u.DataKeyReference[4..]));
        Assert.Equal(keyArn, settingRepository.FindDataKey(long.Parse(newest.DataKeyReference[4..]))!.KeyArn);
        c.Server.Services.GetRequiredService<EncryptionSettingsService>().PropagateOnce();
        Assert.Equal("ACTIVE", await StatusAsync(clientC, clock));
    }

    [Fact]
    public async Task EachNode_AsksForItsOwnDataKeyPerWindow_NotOneShared_NorOnePerBatch()
    {
        await using var nodes = await NodeGroup.StartAsync(2);
        var (a, b) = (nodes[0], nodes[1]);
        using var clientA = new SignedHttpClient(a.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        using var clientB = new SignedHttpClient(b.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(clientA);
        await EncryptionSettingsTests.PutKmsSettingAsync(clientA, keyArn);
        await EncryptionSettingsTests.WaitForActiveAsync(clientA);
        await EncryptionSettingsTests.WaitForActiveAsync(clientB);
        var started = DateTimeOffset.UtcNow;
        for (var batch = 0; batch < 20; batch++)
        {
            Assert.Null(await PutOneAsync(batch % 2 == 0 ? clientA : clientB));
        }

        var elapsed = DateTimeOffset.UtcNow - started;
        var store = a.Server.Services.GetRequiredService<ITraceStore>();
        var kmsReferences = (await store.DataKeyUsageAsync(CancellationToken.None)).Where(u => u.DataKeyReference.StartsWith("kms/", StringComparison.Ordinal)).Select(u => u.DataKeyReference).Distinct().ToList();
        var generated = await CountEventsAsync(clientA, "GenerateDataKey");
        var window = a.Server.Services.GetRequiredService<EncryptionSettingsOptions>().DataKeyWindow;
        var allowed = 2 * (1 + (int)Math.Ceiling(elapsed / window));
        output.WriteLine($"20 batches over two nodes in {elapsed.TotalSeconds:F1} s: {generated} GenerateDataKey calls (allowed {allowed}), chunks under {kmsReferences.Count} data keys");
        Assert.InRange(kmsReferences.Count, 2, allowed);
        Assert.InRange(generated, 2, allowed);
    }

    /// <summary>Sends one segment; null when it was stored, else the unprocessed segment's error code and message.</summary>
    internal static async Task<(string Code, string Message)?> PutOneAsync(SignedHttpClient client, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)]), at);
        var unprocessed = (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments");
        return unprocessed.GetArrayLength() == 0
            ? null
            : (unprocessed[0].GetProperty("ErrorCode").GetString()!, unprocessed[0].GetProperty("Message").GetString()!);
    }

    private static async Task KmsAsync(SignedHttpClient client, string operation, string keyArn)
    {
        using var response = await client.KmsAsync(operation, SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}"""));
        await TraceDocuments.ReadJsonAsync(response);
    }

    /// <summary>The key-unusable notice on a node's console traces page, or an empty string when there is none.</summary>
    internal static async Task<string> ConsoleNoticeAsync(string endpoint, string accessKeyId, string secret)
    {
        using var console = new ConsoleHttpClient(endpoint);
        using (await console.SignInAsync(accessKeyId, secret))
        {
        }

        using var page = await console.GetAsync("/console/traces");
        var html = await page.Content.ReadAsStringAsync();
        var start = html.IndexOf("id=\"key-unusable\"", StringComparison.Ordinal);
        return start < 0 ? "" : html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static async Task<string?> StatusAsync(SignedHttpClient client, FakeTimeProvider clock)
    {
        using var response = await client.XRayAsync("/EncryptionConfig", [], clock.GetUtcNow());
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("EncryptionConfig").GetProperty("Status").GetString();
    }

    private static async Task<int> DefaultChunksAsync(ITraceStore store) =>
        (await store.DataKeyUsageAsync(CancellationToken.None)).Where(u => u.DataKeyReference.StartsWith("default/", StringComparison.Ordinal)).Sum(u => u.Chunks);

    private static async Task<int> CountEventsAsync(SignedHttpClient client, string eventName)
    {
        var count = 0;
        string? token = null;
        do
        {
            var body = token is null
                ? $$"""{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"{{eventName}}"}]}"""
                : $$"""{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"{{eventName}}"}],"NextToken":"{{token}}"}""";
            using var response = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json(body), "application/x-amz-json-1.1",
                new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
            var page = await TraceDocuments.ReadJsonAsync(response);
            count += page.GetProperty("Events").GetArrayLength();
            token = page.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        return count;
    }
}
