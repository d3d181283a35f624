using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Traces;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Encryption;

/// <summary>Encryption settings end to end: the real JS SDK and AWS CLI, data keys per window, old chunks keeping their keys, crypto-shredding.</summary>
public sealed class EncryptionSettingsTests(ITestOutputHelper output)
{
    private const string XRayOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:*","Resource":"*"}]}""";

    [Fact]
    public async Task JavaScriptSdk_EncryptionScript_Passes()
    {
        await using var server = await TestServer.StartAsync();
        var environment = server.ClientEnvironment();
        var identity = server.Server.Data.Identity;
        var other = identity.CreateAccount();
        var otherAdmin = identity.CreateUser(other.Id, "admin", [Keys.Identity.IdentityService.AdministratorPolicy]);
        environment["OTHER_ACCOUNT"] = other.Id;
        environment["OTHER_ACCESS_KEY_ID"] = otherAdmin.AccessKeyId;
        environment["OTHER_SECRET_ACCESS_KEY"] = otherAdmin.SecretAccessKey;
        var noKms = server.CreateUser("no-kms", XRayOnly);
        environment["NOKMS_ACCESS_KEY_ID"] = noKms.AccessKeyId;
        environment["NOKMS_SECRET_ACCESS_KEY"] = noKms.SecretAccessKey;
        var reader = server.CreateUser("reader", XRayOnly);
        environment["READER_ACCESS_KEY_ID"] = reader.AccessKeyId;
        environment["READER_SECRET_ACCESS_KEY"] = reader.SecretAccessKey;
        environment["READER_ARN"] = reader.User.Arn;

        await NodeClients.RunTestScriptAsync("encryption.test.mjs", environment, output);
    }

    [Fact]
    public async Task AwsCli_PutAndGetEncryptionConfig_ReachActive()
    {
        await using var server = await TestServer.StartAsync();
        var environment = server.ClientEnvironment();
        var put = await AwsCli.RunAsync(server.Endpoint, environment, "xray", "put-encryption-config", "--type", "KMS", "--key-id", "alias/aws/xray");
        Assert.True(put.ExitCode == 0, put.Output);
        var config = JsonDocument.Parse(put.StandardOutput).RootElement.GetProperty("EncryptionConfig");
        Assert.Equal("UPDATING", config.GetProperty("Status").GetString());
        Assert.Matches($"^arn:aws:kms:us-east-1:{server.AccountId}:key/[0-9a-f-]{{36}}$", config.GetProperty("KeyId").GetString());

        await Eventually.WaitAsync("get-encryption-config says ACTIVE", async () =>
        {
            var get = await AwsCli.RunAsync(server.Endpoint, environment, "xray", "get-encryption-config");
            Assert.True(get.ExitCode == 0, get.Output);
            return JsonDocument.Parse(get.StandardOutput).RootElement.GetProperty("EncryptionConfig").GetProperty("Status").GetString();
        }, status => status == "ACTIVE");

        var created = await AwsCli.RunAsync(server.Endpoint, environment, "kms", "create-key", "--description", "traces");
        Assert.True(created.ExitCode == 0, created.Output);
        var keyArn = JsonDocument.Parse(created.StandardOutput).RootElement.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var alias = await AwsCli.RunAsync(server.Endpoint, environment, "kms", "create-alias", "--alias-name", "alias/cli-traces", "--target-key-id", keyArn);
        Assert.True(alias.ExitCode == 0, alias.Output);
        var byAlias = await AwsCli.RunAsync(server.Endpoint, environment, "xray", "put-encryption-config", "--type", "KMS", "--key-id", "alias/cli-traces");
        Assert.True(byAlias.ExitCode == 0, byAlias.Output);
        Assert.Equal(keyArn, JsonDocument.Parse(byAlias.StandardOutput).RootElement.GetProperty("EncryptionConfig").GetProperty("KeyId").GetString());

        var asymmetric = await AwsCli.RunAsync(server.Endpoint, environment, "kms", "create-key", "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT");
        var asymmetricArn = JsonDocument.Parse(asymmetric.StandardOutput).RootElement.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var refused = await AwsCli.RunAsync(server.Endpoint, environment, "xray", "put-encryption-config", "--type", "KMS", "--key-id", asymmetricArn);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("InvalidRequestException", refused.StandardError);
        Assert.Contains("does not support asymmetric KMS keys", refused.StandardError);

        var none = await AwsCli.RunAsync(server.Endpoint, environment, "xray", "put-encryption-config", "--type", "NONE");
        Assert.False(JsonDocument.Parse(none.StandardOutput).RootElement.GetProperty("EncryptionConfig").TryGetProperty("KeyId", out _));
    }

    [Fact]
    public async Task SegmentsBeforeDuringAndAfterAChange_AreAllReadable_AndOldChunksKeepTheirKey()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.Encryption.DataKeyWindow = TimeSpan.FromSeconds(2));
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var sent = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        async Task SendAsync(int count)
        {
            var documents = Enumerable.Range(0, count).Select(_ => TraceDocuments.NewTraceId(DateTimeOffset.UtcNow)).ToDictionary(id => id, id => TraceDocuments.Segment(id, DateTimeOffset.UtcNow));
            using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(documents.Values));
            var answer = await TraceDocuments.ReadJsonAsync(response);
            Assert.Equal(0, answer.GetProperty("UnprocessedTraceSegments").GetArrayLength());
            lock (sent)
            {
                foreach (var (traceId, document) in documents)
                {
                    sent.Add(traceId, [document]);
                }
            }
        }

        await SendAsync(20);
        var keyArn = await CreateKeyAsync(client);
        using var sending = new CancellationTokenSource();
        var during = Task.Run(async () =>
        {
            while (!sending.IsCancellationRequested)
            {
                await SendAsync(5);
            }
        });
        Assert.Equal("UPDATING", (await PutKmsSettingAsync(client, keyArn)).GetProperty("EncryptionConfig").GetProperty("Status").GetString());

        await WaitForActiveAsync(client);
        await sending.CancelAsync();
        await during;
        await SendAsync(20);

        // Every document, sealed under the default key, the new KMS key, or either while UPDATING, reads back as it was sent.
        using (var xray = XRay.XRayApiClient.For(server))
        {
            await xray.AssertStoredAsSentAsync(sent);
        }

        var usage = await server.Server.Services.GetRequiredService<ITraceStore>().DataKeyUsageAsync(CancellationToken.None);
        Assert.Contains(usage, u => u.DataKeyReference.StartsWith("default/", StringComparison.Ordinal));
        Assert.Contains(usage, u => u.DataKeyReference.StartsWith("kms/", StringComparison.Ordinal));
        var settings = server.Server.Services.GetRequiredService<IEncryptionSettingRepository>();
        foreach (var reference in usage.Where(u => u.DataKeyReference.StartsWith("kms/", StringComparison.Ordinal)))
        {
            Assert.Equal(keyArn, settings.FindDataKey(long.Parse(reference.DataKeyReference[4..]))!.KeyArn);
        }
    }

    [Fact]
    public async Task HundredThousandSegments_CallGenerateDataKeyOnlyOncePerWindow()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var keyArn = await CreateKeyAsync(client);
        await PutKmsSettingAsync(client, keyArn);

        await WaitForActiveAsync(client);
        var started = DateTimeOffset.UtcNow;
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, _) =>
        {
            var documents = Enumerable.Range(0, 500).Select(_ => TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now));
            using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(documents));
            Assert.Equal(0, (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments").GetArrayLength());
        });
        var elapsed = DateTimeOffset.UtcNow - started;

        var events = new List<JsonElement>();
        string? token = null;
        do
        {
            var body = token is null
                ? """{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"GenerateDataKey"}]}"""
                : $$"""{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"GenerateDataKey"}],"NextToken":"{{token}}"}""";
            using var response = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json(body), "application/x-amz-json-1.1",
                new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
            var page = await TraceDocuments.ReadJsonAsync(response);
            events.AddRange(page.GetProperty("Events").EnumerateArray());
            token = page.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        var window = new EncryptionSettingsOptions().DataKeyWindow;
        var allowed = 1 + (int)Math.Ceiling((DateTimeOffset.UtcNow - started + elapsed) / window);
        output.WriteLine($"100,000 segments in {elapsed.TotalSeconds:F1} s made {events.Count} GenerateDataKey calls (allowed {allowed})");
        Assert.InRange(events.Count, 1, allowed);
    }

    [Fact]
    public async Task PendingDeletion_TracesAreReportedUnreadable_AndAfterTheWindow_TheyAreNotFound()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        var settings = server.Server.Services.GetRequiredService<EncryptionSettingsService>();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var keyArn = await CreateKeyAsync(client, clock.GetUtcNow());
        await PutKmsSettingAsync(client, keyArn, clock.GetUtcNow());

        settings.PropagateOnce();
        var traceId = TraceDocuments.NewTraceId(clock.GetUtcNow());
        using (var stored = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(traceId, clock.GetUtcNow())]), clock.GetUtcNow()))
        {
            Assert.Equal(0, (await TraceDocuments.ReadJsonAsync(stored)).GetProperty("UnprocessedTraceSegments").GetArrayLength());
        }

        using (var schedule = await client.KmsAsync("ScheduleKeyDeletion", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}","PendingWindowInDays":7}"""), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(schedule);
        }

        using (var pending = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]), clock.GetUtcNow()))
        {
            var (type, message) = await Foundation.FoundationTests.ReadErrorAsync(pending);
            Assert.Equal("InvalidRequestException", type);
            Assert.Contains("pending deletion", message);
        }

        // Once destroyed, the key takes the trace's index key with it: the trace is not found, as one never stored.
        clock.Advance(TimeSpan.FromDays(8));
        server.Server.Services.GetRequiredService<Keys.Kms.KeyService>().DestroyDueKeys();
        using var gone = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]), clock.GetUtcNow());
        var answer = await TraceDocuments.ReadJsonAsync(gone);
        Assert.Equal(0, answer.GetProperty("Traces").GetArrayLength());
        Assert.Equal([traceId], answer.GetProperty("UnprocessedTraceIds").EnumerateArray().Select(id => id.GetString()));
    }

    [Fact]
    public async Task WhileTheKeyIsDisabled_NothingReachesTheDataDirectory()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var keyArn = await CreateKeyAsync(client);
        await PutKmsSettingAsync(client, keyArn);

        await WaitForActiveAsync(client);
        using (var disable = await client.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
        {
            await TraceDocuments.ReadJsonAsync(disable);
        }

        var store = server.Server.Services.GetRequiredService<ITraceStore>();
        var chunksBefore = (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks);
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var documents = Enumerable.Range(0, 20).Select(_ => TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now, canary: canary)).ToList();
        using (var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(documents)))
        {
            var unprocessed = (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments");
            Assert.Equal(20, unprocessed.GetArrayLength());
            Assert.All(unprocessed.EnumerateArray(), u =>
            {
                Assert.Equal("KMSKeyUnusable", u.GetProperty("ErrorCode").GetString());
                Assert.Contains(keyArn, u.GetProperty("Message").GetString());
                Assert.Contains("disabled", u.GetProperty("Message").GetString());
            });
        }

        using (var udp = new System.Net.Sockets.UdpClient())
        {
            var datagram = System.Text.Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + documents[0]);
            await udp.SendAsync(datagram, server.Server.Endpoint);
        }

        var counters = server.Server.Services.GetRequiredService<Tracevault.Server.XRay.IngestCounters>();
        await Eventually.WaitAsync("the UDP segment counted as dropped while storing is stopped", () => counters.DroppedStoringStopped >= 21);

        Assert.Equal(21, counters.DroppedStoringStopped);
        Assert.Equal(chunksBefore, (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks));
        foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(canary)) < 0, $"{file} holds the canary");
        }
    }

    [Fact]
    public async Task AKeyDisabledWhileUpdating_SettlesActive_StopsStoring_AndResumesUnderItOnceEnabled()
    {
        // A fake clock holds the propagation service between rounds, so the key is disabled before any node took the setting up.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        var settings = server.Server.Services.GetRequiredService<EncryptionSettingsService>();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var keyArn = await CreateKeyAsync(client, clock.GetUtcNow());
        Assert.Equal("UPDATING", (await PutKmsSettingAsync(client, keyArn, clock.GetUtcNow())).GetProperty("EncryptionConfig").GetProperty("Status").GetString());
        using (var disable = await client.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}"""), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(disable);
        }

        settings.PropagateOnce();
        settings.PropagateOnce();
        using (var get = await client.XRayAsync("/EncryptionConfig", [], clock.GetUtcNow()))
        {
            var config = (await TraceDocuments.ReadJsonAsync(get)).GetProperty("EncryptionConfig");
            Assert.Equal("ACTIVE", config.GetProperty("Status").GetString());
            Assert.Equal("KMS", config.GetProperty("Type").GetString());
            Assert.Equal(keyArn, config.GetProperty("KeyId").GetString());
        }

        var store = server.Server.Services.GetRequiredService<ITraceStore>();
        var chunksBefore = (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks);
        var now = clock.GetUtcNow();
        var refused = Enumerable.Range(0, 3).Select(_ => TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)).ToList();
        using (var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(refused), now))
        {
            var unprocessed = (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments");
            Assert.Equal(3, unprocessed.GetArrayLength());
            Assert.All(unprocessed.EnumerateArray(), u =>
            {
                Assert.Equal("KMSKeyUnusable", u.GetProperty("ErrorCode").GetString());
                Assert.Contains(keyArn, u.GetProperty("Message").GetString());
                Assert.Contains("disabled", u.GetProperty("Message").GetString());
            });
        }

        Assert.Equal(chunksBefore, (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks));
        using (var console = new Console.ConsoleHttpClient(server.Endpoint))
        {
            using var signedIn = await console.SignInAsync(server.AdminAccessKeyId, server.AdminSecret);
            using var page = await console.GetAsync("/console/traces");
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("id=\"key-unusable\"", html);
            Assert.Contains(keyArn, html);
        }

        using (var enable = await client.KmsAsync("EnableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}"""), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(enable);
        }

        settings.PropagateOnce();
        var traceId = TraceDocuments.NewTraceId(now);
        using (var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(traceId, now)]), now))
        {
            Assert.Equal(0, (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments").GetArrayLength());
        }

        var repository = server.Server.Services.GetRequiredService<IEncryptionSettingRepository>();
        var kmsChunks = (await store.DataKeyUsageAsync(CancellationToken.None)).Where(u => u.DataKeyReference.StartsWith("kms/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(kmsChunks);
        Assert.All(kmsChunks, u => Assert.Equal(keyArn, repository.FindDataKey(long.Parse(u.DataKeyReference[4..]))!.KeyArn));
        Assert.Null(server.Server.Services.GetRequiredService<DataKeyPolicy>().FindStoringStatus(server.AccountId));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    internal static async Task<string> CreateKeyAsync(SignedHttpClient client, DateTimeOffset? at = null)
    {
        using var response = await client.KmsAsync("CreateKey", SignedHttpClient.Json("{}"), at);
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
    }

    /// <summary>PutEncryptionConfig with <c>Type: KMS</c> and the key given; the answer's JSON.</summary>
    internal static async Task<System.Text.Json.JsonElement> PutKmsSettingAsync(SignedHttpClient client, string keyArn, DateTimeOffset? at = null)
    {
        using var response = await client.XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json($$"""{"Type":"KMS","KeyId":"{{keyArn}}"}"""), at);
        return await TraceDocuments.ReadJsonAsync(response);
    }

    internal static Task WaitForActiveAsync(SignedHttpClient client) =>
        Eventually.WaitAsync("the encryption setting becomes ACTIVE", async () =>
        {
            using var response = await client.XRayAsync("/EncryptionConfig", []);
            return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("EncryptionConfig").GetProperty("Status").GetString();
        }, status => status == "ACTIVE");
}
