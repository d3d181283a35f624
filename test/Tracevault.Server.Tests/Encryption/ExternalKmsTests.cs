using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Core.Identity;
using Tracevault.Keys.Settings;
using Tracevault.Server.Console;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Otlp;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Encryption;

/// <summary>Issue 21: an account's key in an external key service that speaks the AWS KMS API — here a second Tracevault with its own account, key and user.</summary>
public sealed class ExternalKmsTests(ITestOutputHelper output)
{
    private const string TracevaultInKeyService = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:DescribeKey","kms:CreateGrant"],"Resource":"*"}]}""";
    private const string XRayOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:*","Resource":"*"}]}""";
    private const string XRayAndDescribeOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:*","kms:DescribeKey"],"Resource":"*"}]}""";

    [Fact]
    public async Task ExternalKey_SealsUnderItsDataKeys_StopsWhenDisabledOrUnreachable_AndResumes()
    {
        // The second Tracevault: the key service, with its own account, key and the user whose access key the first calls with.
        var keyServiceDirectory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        var keyServicePort = ServerProcess.FreePort();
        var keyService = await TestServer.StartAsync(dataDirectory: keyServiceDirectory, configure: o => o.Listen = new IPEndPoint(IPAddress.Loopback, keyServicePort));
        await using var relay = TcpRelay.Start(new IPEndPoint(IPAddress.Loopback, keyServicePort), capture: true);
        using var keyServiceAdmin = new SignedHttpClient(keyService.Endpoint, keyService.AdminAccessKeyId, keyService.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(keyServiceAdmin);
        var tracevaultThere = keyService.CreateUser("tracevault-a", TracevaultInKeyService);
        var keyServiceAdminKey = (keyService.AdminAccessKeyId, keyService.AdminSecret);

        var credentials = Path.Combine(Path.GetTempPath(), "tracevault-credentials-" + Path.GetRandomFileName());
        await File.WriteAllTextAsync(credentials, $"[external]\naws_access_key_id = {tracevaultThere.AccessKeyId}\naws_secret_access_key = {tracevaultThere.SecretAccessKey}\n");
        try
        {
            await using var server = await TestServer.StartAsync(configure: o =>
            {
                o.ExternalKms.Endpoint = new Uri($"http://127.0.0.1:{relay.Port}");
                o.ExternalKms.Profile = "external";
                o.ExternalKms.ProfilesLocation = credentials;
                o.ExternalKms.Grantee = tracevaultThere.User.Arn;
                o.ExternalKms.Keys.CacheTime = TimeSpan.FromSeconds(3);
                o.ExternalKms.Keys.CheckInterval = TimeSpan.FromSeconds(1);
            });
            using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);

            // PutEncryptionConfig through the AWS CLI: UPDATING, then ACTIVE once the node got its data key there.
            var put = await AwsCli.RunAsync(server.Endpoint, server.ClientEnvironment(), "xray", "put-encryption-config", "--type", "KMS", "--key-id", keyArn);
            Assert.True(put.ExitCode == 0, put.Output);
            var config = JsonDocument.Parse(put.StandardOutput).RootElement.GetProperty("EncryptionConfig");
            Assert.Equal("UPDATING", config.GetProperty("Status").GetString());
            Assert.Equal(keyArn, config.GetProperty("KeyId").GetString());
            await EncryptionSettingsTests.WaitForActiveAsync(client);

            // Segments and OTLP spans afterwards are sealed under data keys the key service generated, and read back.
            var canary = "canary-" + Guid.NewGuid().ToString("N");
            var now = DateTimeOffset.UtcNow;
            var traceIds = Enumerable.Range(0, 5).Select(_ => TraceDocuments.NewTraceId(now)).ToList();
            var cliPut = await AwsCli.RunAsync(server.Endpoint, server.ClientEnvironment(), ["xray", "put-trace-segments", "--trace-segment-documents", .. traceIds.Select(id => TraceDocuments.Segment(id, now, canary: canary))]);
            Assert.True(cliPut.ExitCode == 0, cliPut.Output);
            Assert.Empty(JsonDocument.Parse(cliPut.StandardOutput).RootElement.GetProperty("UnprocessedTraceSegments").EnumerateArray());
            var spanTraceId = OtlpSpans.XRayStyleTraceId(now);
            using (var spans = await client.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", OtlpSpans.Request("external-svc", OtlpSpans.Span(spanTraceId, now)).ToByteArray(), "application/x-protobuf", [], null, null))
            {
                await OtlpSpans.ReadSuccessAsync(spans);
            }

            await ReadBackAsync(client, [.. traceIds, OtlpSpans.XRayId(spanTraceId)]);
            var dataKeys = ExternalDataKeys(server);
            Assert.NotEmpty(dataKeys);
            Assert.All(dataKeys, k => Assert.Equal(keyArn, k.KeyArn));

            // The key service's own trail shows Tracevault's CreateGrant and GenerateDataKey, made with its credentials there.
            using (var keyServiceAdminAgain = new SignedHttpClient(keyService.Endpoint, keyServiceAdminKey.AdminAccessKeyId, keyServiceAdminKey.AdminSecret))
            {
                var names = await LookupByUserAsync(keyServiceAdminAgain, "tracevault-a");
                Assert.Contains("CreateGrant", names);
                Assert.Contains("GenerateDataKey", names);
            }

            // Tracevault's own trail records every call it made there: who, what, which key, the outcome.
            var own = await LookupRecordsAsync(client);
            Assert.Contains(own, r => r.GetProperty("eventName").GetString() == "CreateGrant" && r.GetProperty("userIdentity").GetProperty("arn").GetString() == $"arn:aws:iam::{server.AccountId}:user/admin"
                && r.GetProperty("additionalEventData").GetProperty("externalKeyService").GetString()!.Contains(relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            Assert.Contains(own, r => r.GetProperty("eventName").GetString() == "GenerateDataKey" && r.GetProperty("resources")[0].GetProperty("ARN").GetString() == keyArn && !r.TryGetProperty("errorCode", out _));

            // Disabled there: the first stops storing, with the answer and the console notice of a built-in key; enabled: resumes.
            using (var disable = await keyServiceAdmin.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
            {
                await TraceDocuments.ReadJsonAsync(disable);
            }

            var refusal = await WaitUntilRefusedAsync(client);
            Assert.Contains(keyArn, refusal);
            Assert.Contains("DisabledException", refusal);
            var banner = server.Server.Services.GetRequiredService<ConsoleNotifications>().AccountBannerHtml(Admin(server));
            Assert.Contains("stopped storing trace data", banner);
            Assert.Contains("DisabledException", banner);

            using (var enable = await keyServiceAdmin.KmsAsync("EnableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
            {
                await TraceDocuments.ReadJsonAsync(enable);
            }

            var afterEnable = await WaitUntilStoredAsync(client);

            // The key service stopped entirely: "key service unreachable"; started again on its port: resumes by itself.
            await keyService.Server.DisposeAsync();
            refusal = await WaitUntilRefusedAsync(client);
            Assert.Contains("key service unreachable", refusal);
            Assert.Contains("key service unreachable", server.Server.Services.GetRequiredService<DataKeyPolicy>().FindStoringStatus(server.AccountId)!.Reason);
            await using var restarted = await TestServer.StartAsync(dataDirectory: keyServiceDirectory, configure: o => o.Listen = new IPEndPoint(IPAddress.Loopback, keyServicePort));
            var afterRestart = await WaitUntilStoredAsync(client);
            Assert.Null(server.Server.Services.GetRequiredService<DataKeyPolicy>().FindStoringStatus(server.AccountId));
            await ReadBackAsync(client, [.. traceIds, afterEnable, afterRestart]);

            // Canary: the plaintext of every data key the key service made (it alone can unwrap them) never reached the
            // first's disk, nor any request the first sent the key service.
            using var opener = new SignedHttpClient(restarted.Endpoint, keyServiceAdminKey.AdminAccessKeyId, keyServiceAdminKey.AdminSecret);
            var requests = relay.CapturedRequests();
            Assert.Contains("TrentService.GenerateDataKey", Encoding.ASCII.GetString(requests), StringComparison.Ordinal);
            var files = Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories).Select(ReadShared).ToList();
            foreach (var (_, _, blob) in ExternalDataKeys(server))
            {
                using var decrypted = await opener.KmsAsync("Decrypt", SignedHttpClient.Json(JsonSerializer.Serialize(new
                {
                    CiphertextBlob = Convert.ToBase64String(blob),
                    EncryptionContext = new Dictionary<string, string> { ["aws:xray:arn"] = $"arn:aws:xray:us-east-1:{server.AccountId}:trace-data" },
                })));
                var plaintext = Convert.FromBase64String((await TraceDocuments.ReadJsonAsync(decrypted)).GetProperty("Plaintext").GetString()!);
                Assert.Equal(32, plaintext.Length);
                foreach (var needle in new[] { plaintext, Encoding.ASCII.GetBytes(Convert.ToBase64String(plaintext)) })
                {
                    Assert.True(requests.AsSpan().IndexOf(needle) < 0, "a request to the key service carries a plaintext data key");
                    Assert.All(files, file => Assert.True(file.AsSpan().IndexOf(needle) < 0, "the data directory holds a plaintext data key"));
                }
            }

            Assert.All(files, file => Assert.True(file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(canary)) < 0, "the data directory holds the canary"));
            output.WriteLine($"{ExternalDataKeys(server).Count} external data keys; {requests.Length} bytes sent to the key service");
        }
        finally
        {
            File.Delete(credentials);
        }
    }

    [Fact]
    public async Task WithoutCreateGrantInTracevaultsPolicies_PutIsRefused_AndWithoutDecrypt_ReadingIs()
    {
        await using var keyService = await TestServer.StartAsync();
        using var keyServiceAdmin = new SignedHttpClient(keyService.Endpoint, keyService.AdminAccessKeyId, keyService.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(keyServiceAdmin);
        var tracevaultThere = keyService.CreateUser("tracevault-a", TracevaultInKeyService);
        var credentials = Path.Combine(Path.GetTempPath(), "tracevault-credentials-" + Path.GetRandomFileName());
        await File.WriteAllTextAsync(credentials, $"[external]\naws_access_key_id = {tracevaultThere.AccessKeyId}\naws_secret_access_key = {tracevaultThere.SecretAccessKey}\n");
        try
        {
            await using var server = await TestServer.StartAsync(configure: o =>
            {
                o.ExternalKms.Endpoint = new Uri(keyService.Endpoint);
                o.ExternalKms.Profile = "external";
                o.ExternalKms.ProfilesLocation = credentials;
                o.ExternalKms.Grantee = tracevaultThere.User.Arn;
            });
            var noGrant = server.CreateUser("no-grant", XRayAndDescribeOnly);
            using (var refused = await new SignedHttpClient(server.Endpoint, noGrant.AccessKeyId, noGrant.SecretAccessKey).XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json($$"""{"Type":"KMS","KeyId":"{{keyArn}}"}""")))
            {
                var text = await refused.Content.ReadAsStringAsync();
                Assert.False(refused.IsSuccessStatusCode, text);
                Assert.Contains("AccessDeniedException", text + string.Join(',', refused.Headers.Select(h => string.Join(',', h.Value))));
                Assert.Contains("kms:CreateGrant", text);
            }

            using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
            Assert.Equal(keyArn, (await EncryptionSettingsTests.PutKmsSettingAsync(client, keyArn)).GetProperty("EncryptionConfig").GetProperty("KeyId").GetString());
            await EncryptionSettingsTests.WaitForActiveAsync(client);
            var now = DateTimeOffset.UtcNow;
            var traceId = TraceDocuments.NewTraceId(now);
            await PutAsync(client, [traceId], now, null);
            await ReadBackAsync(client, [traceId]);

            var reader = server.CreateUser("reader", XRayOnly);
            using var readerClient = new SignedHttpClient(server.Endpoint, reader.AccessKeyId, reader.SecretAccessKey);
            using var denied = await readerClient.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]));
            var deniedText = await denied.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.Contains(keyArn, deniedText);
            Assert.Contains("kms:Decrypt", deniedText);
            Assert.DoesNotContain("\"Segments\"", deniedText);
        }
        finally
        {
            File.Delete(credentials);
        }
    }

    [Fact]
    public async Task Console_ManualArnOfAnExternalKey_AppliesShowsItsState_AndThePeriodicCheckStopsStoringWithNoDataArriving()
    {
        await using var keyService = await TestServer.StartAsync();
        using var keyServiceAdmin = new SignedHttpClient(keyService.Endpoint, keyService.AdminAccessKeyId, keyService.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(keyServiceAdmin);
        var tracevaultThere = keyService.CreateUser("tracevault-a", TracevaultInKeyService);
        var credentials = Path.Combine(Path.GetTempPath(), "tracevault-credentials-" + Path.GetRandomFileName());
        await File.WriteAllTextAsync(credentials, $"[external]\naws_access_key_id = {tracevaultThere.AccessKeyId}\naws_secret_access_key = {tracevaultThere.SecretAccessKey}\n");
        try
        {
            // A cache time far beyond the test: only the periodic DescribeKey can notice the key disabled.
            await using var server = await TestServer.StartAsync(configure: o =>
            {
                o.ExternalKms.Endpoint = new Uri(keyService.Endpoint);
                o.ExternalKms.Profile = "external";
                o.ExternalKms.ProfilesLocation = credentials;
                o.ExternalKms.Grantee = tracevaultThere.User.Arn;
                o.ExternalKms.Keys.CacheTime = TimeSpan.FromHours(1);
                o.ExternalKms.Keys.CheckInterval = TimeSpan.FromSeconds(1);
            });
            using var console = new Console.ConsoleHttpClient(server.Endpoint);
            using var signedIn = await console.SignInAsync(server.AdminAccessKeyId, server.AdminSecret);
            using (var page = await console.GetAsync("/console/encryption"))
            {
                var html = await page.Content.ReadAsStringAsync();
                Assert.Contains("Manually enter a key ARN", html, StringComparison.Ordinal);
                Assert.Contains("id=\"external-kms-hint\"", html, StringComparison.Ordinal);
                using var applied = await console.PostFormAsync("/console/encryption", new() { ["csrf"] = Console.ConsoleHttpClient.CsrfToken(html), ["type"] = "KMS", ["key"] = EncryptionPage.ManualChoice, ["keyArn"] = keyArn });
                Assert.Equal(HttpStatusCode.SeeOther, applied.StatusCode);
            }

            using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
            await EncryptionSettingsTests.WaitForActiveAsync(client);
            await Eventually.WaitAsync("the Encryption page shows the external key Enabled", async () =>
            {
                using var page = await console.GetAsync("/console/encryption");
                var html = await page.Content.ReadAsStringAsync();
                return html.Contains(keyArn, StringComparison.Ordinal) && html.Contains("id=\"current-key-service\"", StringComparison.Ordinal)
                    && html.Contains(">Enabled</span>", StringComparison.Ordinal);
            });
            using (var keys = await console.GetAsync("/console/keys"))
            {
                var html = await keys.Content.ReadAsStringAsync();
                var row = html[html.IndexOf("id=\"external-key\"", StringComparison.Ordinal)..];
                row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
                Assert.Contains("External", row, StringComparison.Ordinal);
                Assert.Contains(keyArn, row, StringComparison.Ordinal);
                Assert.DoesNotContain("<form", row, StringComparison.Ordinal);
            }

            using (var disable = await keyServiceAdmin.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
            {
                await TraceDocuments.ReadJsonAsync(disable);
            }

            // No segment is sent: the check alone stops the account, and the console says so.
            await Eventually.WaitAsync("the console notice names the disabled external key", async () =>
            {
                using var page = await console.GetAsync("/console/encryption");
                var html = await page.Content.ReadAsStringAsync();
                return html.Contains("id=\"key-unusable\"", StringComparison.Ordinal) && html.Contains("DisabledException", StringComparison.Ordinal)
                    && html.Contains(">Disabled</span>", StringComparison.Ordinal);
            });
            var refusal = await WaitUntilRefusedAsync(client);
            Assert.Contains("DisabledException", refusal);
        }
        finally
        {
            File.Delete(credentials);
        }
    }

    [Fact]
    public async Task WithoutExternalKms_AnUnknownKeyArn_IsRefusedAsBefore()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        using var refused = await client.XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json("""{"Type":"KMS","KeyId":"arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"""));
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("does not exist", text);
    }

    private static Caller Admin(TestServer server) => new(server.AccountId, Caller.UserArn(server.AccountId, "admin"), "admin", server.AdminAccessKeyId, []);

    private static async Task PutAsync(SignedHttpClient client, IReadOnlyList<string> traceIds, DateTimeOffset at, string? canary)
    {
        using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(traceIds.Select(id => TraceDocuments.Segment(id, at, canary: canary))));
        Assert.Equal(0, (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments").GetArrayLength());
    }

    private static async Task ReadBackAsync(SignedHttpClient client, IReadOnlyList<string> traceIds)
    {
        // BatchGetTraces takes five ids at a time.
        foreach (var batch in traceIds.Chunk(5))
        {
            await Eventually.WaitAsync("every trace reads back through the first", async () =>
            {
                using var response = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody(batch));
                return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("Traces").EnumerateArray().Select(t => t.GetProperty("Id").GetString()).ToHashSet();
            }, found => batch.All(found.Contains));
        }
    }

    /// <summary>Sends one segment a probe until one is refused; the refusal's message.</summary>
    private static Task<string> WaitUntilRefusedAsync(SignedHttpClient client) =>
        Eventually.WaitAsync("the first stops storing", async () =>
        {
            var now = DateTimeOffset.UtcNow;
            using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)]));
            var unprocessed = (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments");
            return unprocessed.GetArrayLength() == 0 ? null : unprocessed[0].GetProperty("ErrorCode").GetString() + ": " + unprocessed[0].GetProperty("Message").GetString();
        }, message => message is not null && message.StartsWith("KMSKeyUnusable", StringComparison.Ordinal)).ContinueWith(t => t.Result!, TaskScheduler.Default);

    /// <summary>Sends one segment a probe until one is stored; its trace id.</summary>
    private static Task<string> WaitUntilStoredAsync(SignedHttpClient client) =>
        Eventually.WaitAsync("the first stores again", async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var traceId = TraceDocuments.NewTraceId(now);
            using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(traceId, now)]));
            return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("UnprocessedTraceSegments").GetArrayLength() == 0 ? traceId : null;
        }, traceId => traceId is not null).ContinueWith(t => t.Result!, TaskScheduler.Default);

    private static async Task<HashSet<string>> LookupByUserAsync(SignedHttpClient client, string userName)
    {
        using var response = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json($$"""{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"{{userName}}"}],"MaxResults":50}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("Events").EnumerateArray().Select(e => e.GetProperty("EventName").GetString()!).ToHashSet();
    }

    private static async Task<List<JsonElement>> LookupRecordsAsync(SignedHttpClient client)
    {
        using var response = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json("""{"MaxResults":50}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        return [.. (await TraceDocuments.ReadJsonAsync(response)).GetProperty("Events").EnumerateArray().Select(e => JsonDocument.Parse(e.GetProperty("CloudTrailEvent").GetString()!).RootElement.Clone())];
    }

    /// <summary>The wrapped data keys the first stored marked external, read from its SQLite file.</summary>
    private static List<(long Id, string KeyArn, byte[] Blob)> ExternalDataKeys(TestServer server)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Directory.EnumerateFiles(server.DataDirectory, "*.db").First(), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, key_arn, ciphertext_blob FROM kms_data_keys WHERE external = 1";
        using var reader = command.ExecuteReader();
        var keys = new List<(long, string, byte[])>();
        while (reader.Read())
        {
            keys.Add((reader.GetInt64(0), reader.GetString(1), (byte[])reader[2]));
        }

        return keys;
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
