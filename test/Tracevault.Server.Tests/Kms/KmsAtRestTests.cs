using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Kms;

/// <summary>Root-key rotation re-seals everything at rest; the wire details no client library shows.</summary>
public sealed class KmsAtRestTests
{
    [Fact]
    public async Task RootKeyRotate_ResealsKeyMaterialAndSecrets_AndEverythingStillWorks()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        var first = await TestServer.StartAsync(dataDirectory: directory);
        var admin = first.Server.InitializedAdmin!;
        MemoryStream blob;
        string keyArn;
        using (var kms = Client(first.Endpoint, admin.AccessKeyId, admin.SecretAccessKey))
        {
            keyArn = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
            await kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyArn });
            blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = keyArn, Plaintext = new MemoryStream("before rotation"u8.ToArray()) })).CiphertextBlob;
        }

        await first.Server.DisposeAsync();
        SqliteConnection.ClearAllPools();

        var rotate = await ServerProcess.RunCommandAsync("root-key", "rotate", "--data", directory);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        Assert.Contains("Added root key 2; re-sealed 2 key version(s), 1 access key(s) and 1 service key version(s)", rotate.StandardOutput, StringComparison.Ordinal);
        var ring = RootKeyRing.Load(Path.Combine(directory, "root.key"));
        Assert.Equal([1, 2], ring.KeyIds.Order());
        Assert.Equal(2, ring.CurrentKeyId);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "tracevault.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT sealed_material FROM kms_key_versions UNION ALL SELECT sealed_secret FROM access_keys UNION ALL SELECT sealed_key FROM service_keys";
            await using var reader = await command.ExecuteReaderAsync();
            var count = 0;
            while (await reader.ReadAsync())
            {
                Assert.Equal(2, RootKeyRing.SealingKeyId((byte[])reader[0]));
                count++;
            }

            Assert.Equal(4, count);
        }

        await using var second = await TestServer.StartAsync(dataDirectory: directory);
        using var again = Client(second.Endpoint, admin.AccessKeyId, admin.SecretAccessKey);
        var decrypted = await again.DecryptAsync(new DecryptRequest { CiphertextBlob = blob });
        Assert.Equal("before rotation", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
        Assert.Equal(keyArn, decrypted.KeyId);
    }

    [Fact]
    public async Task WireDetails_EmptyInvalidCiphertextMessage_LookupEventsNeedsPermission_UnknownKeyFormsRefused()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        using var created = await client.KmsAsync("CreateKey", SignedHttpClient.Json("{}"));
        Assert.Equal("application/x-amz-json-1.1", created.Content.Headers.ContentType?.MediaType);
        var keyId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        using var encrypted = await client.KmsAsync("Encrypt", SignedHttpClient.Json($$$"""{"KeyId":"{{{keyId}}}","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}}"""));
        var blob = JsonDocument.Parse(await encrypted.Content.ReadAsStringAsync()).RootElement.GetProperty("CiphertextBlob").GetString();

        using var wrongContext = await client.KmsAsync("Decrypt", SignedHttpClient.Json($$$"""{"CiphertextBlob":"{{{blob}}}","EncryptionContext":{"a":"c"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, wrongContext.StatusCode);
        Assert.Equal("""{"__type":"InvalidCiphertextException","message":""}""", await wrongContext.Content.ReadAsStringAsync());
        var requestId = wrongContext.Headers.GetValues("x-amzn-RequestId").Single();
        var audit = (Keys.Audit.IAuditLog)server.Server.Services.GetService(typeof(Keys.Audit.IAuditLog))!;
        var refused = JsonDocument.Parse(audit.Lookup(new Keys.Audit.AuditQuery(server.AccountId, "EventName", "Decrypt", null, null, 1, null)).Events.Single().RecordJson).RootElement;
        Assert.Equal(requestId, refused.GetProperty("requestID").GetString());
        Assert.Equal("InvalidCiphertextException", refused.GetProperty("errorCode").GetString());

        using var aliasWhereOnlyKeys = await client.KmsAsync("EnableKey", SignedHttpClient.Json("""{"KeyId":"alias/anything"}"""));
        Assert.Equal("Invalid keyId 'alias/anything'", await MessageAsync(aliasWhereOnlyKeys));
        using var otherRegion = await client.KmsAsync("DescribeKey", SignedHttpClient.Json($$"""{"KeyId":"arn:aws:kms:eu-west-1:{{server.AccountId}}:key/{{keyId}}"}"""));
        Assert.Equal("Invalid arn eu-west-1", await MessageAsync(otherRegion));

        var kmsOnly = server.CreateUser("kmsonly", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""");
        using var limited = new SignedHttpClient(server.Endpoint, kmsOnly.AccessKeyId, kmsOnly.SecretAccessKey);
        using var lookup = await limited.SendAsync("/", "cloudtrail", SignedHttpClient.Json("{}"), "application/x-amz-json-1.1",
            new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        var error = JsonDocument.Parse(await lookup.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("AccessDeniedException", error.GetProperty("__type").GetString());
        Assert.Contains("cloudtrail:LookupEvents", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var adminLookup = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json("""{"MaxResults":2,"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"Decrypt"},{"AttributeKey":"Username","AttributeValue":"admin"}]}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        Assert.Equal("InvalidLookupAttributesException", JsonDocument.Parse(await adminLookup.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());

        using var page = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json("""{"MaxResults":2}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        var first = JsonDocument.Parse(await page.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, first.GetProperty("Events").GetArrayLength());
        Assert.True(first.GetProperty("Events")[0].GetProperty("EventTime").GetDouble() >= first.GetProperty("Events")[1].GetProperty("EventTime").GetDouble(), "most recent first");
        var token = first.GetProperty("NextToken").GetString();
        using var next = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json($$"""{"MaxResults":2,"NextToken":"{{token}}"}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        var second = JsonDocument.Parse(await next.Content.ReadAsStringAsync()).RootElement;
        Assert.NotEqual(first.GetProperty("Events")[0].GetProperty("EventId").GetString(), second.GetProperty("Events")[0].GetProperty("EventId").GetString());
        using var badToken = await client.SendAsync("/", "cloudtrail", SignedHttpClient.Json("""{"NextToken":"garbage!"}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        Assert.Equal("InvalidNextTokenException", JsonDocument.Parse(await badToken.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
    }

    private static async Task<string?> MessageAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();

    private static AmazonKeyManagementServiceClient Client(string endpoint, string accessKeyId, string secret) => new(
        new BasicAWSCredentials(accessKeyId, secret),
        new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
