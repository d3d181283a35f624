using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>The AWS CLI against the KMS and CloudTrail APIs, and the audit trail's tamper evidence through <c>tracevault audit verify</c>.</summary>
public sealed class KmsCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AwsCli_KeysAliasesPagingEncryptionAndPolicies_Work()
    {
        var created = await RunJsonAsync("kms", "create-key", "--description", "cli key");
        var keyId = created.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var keyArn = created.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var names = Enumerable.Range(1, 6).Select(i => $"alias/cli-{i}").ToList();
        foreach (var name in names)
        {
            await RunAsync("kms", "create-alias", "--alias-name", name, "--target-key-id", keyId);
        }

        // Two per page: the CLI follows NextMarker until Truncated is false, and must get every alias exactly once.
        var aliases = await RunJsonAsync("kms", "list-aliases", "--page-size", "2");
        var listed = aliases.GetProperty("Aliases").EnumerateArray().Select(a => a.GetProperty("AliasName").GetString()!).ToList();
        Assert.Equal(names, listed);
        var onePage = await RunJsonAsync("kms", "list-aliases", "--max-items", "3");
        Assert.Equal(3, onePage.GetProperty("Aliases").GetArrayLength());
        Assert.True(onePage.TryGetProperty("NextToken", out _), "a page short of the end offers a token");

        var plaintextPath = Path.Combine(_server.DataDirectory, "plain.bin");
        var ciphertextPath = Path.Combine(_server.DataDirectory, "cipher.bin");
        var plaintext = Encoding.UTF8.GetBytes("secret from the CLI \u0001\u00ff");
        await File.WriteAllBytesAsync(plaintextPath, plaintext);
        var encrypted = await RunJsonAsync("kms", "encrypt", "--key-id", "alias/cli-3", "--plaintext", "fileb://" + plaintextPath, "--encryption-context", "app=cli");
        Assert.Equal(keyArn, encrypted.GetProperty("KeyId").GetString());
        await File.WriteAllBytesAsync(ciphertextPath, Convert.FromBase64String(encrypted.GetProperty("CiphertextBlob").GetString()!));
        var decrypted = await RunJsonAsync("kms", "decrypt", "--ciphertext-blob", "fileb://" + ciphertextPath, "--encryption-context", "app=cli");
        Assert.Equal(plaintext, Convert.FromBase64String(decrypted.GetProperty("Plaintext").GetString()!));
        Assert.Equal(keyArn, decrypted.GetProperty("KeyId").GetString());
        var wrongContext = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "decrypt", "--ciphertext-blob", "fileb://" + ciphertextPath);
        Assert.NotEqual(0, wrongContext.ExitCode);
        Assert.Contains("InvalidCiphertextException", wrongContext.StandardError);

        var policy = await RunJsonAsync("kms", "get-key-policy", "--key-id", keyId, "--policy-name", "default");
        Assert.Equal(
            "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::"
            + _server.AccountId + ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}",
            policy.GetProperty("Policy").GetString());

        var malformed = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "put-key-policy", "--key-id", keyId, "--policy-name", "default",
            "--policy", """{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"kms:*","Resource":"*"}]}""");
        output.WriteLine(malformed.Output);
        Assert.NotEqual(0, malformed.ExitCode);
        Assert.Contains("MalformedPolicyDocumentException", malformed.StandardError);
        var notJson = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "put-key-policy", "--key-id", keyId, "--policy-name", "default", "--policy", "{not json");
        Assert.Contains("MalformedPolicyDocumentException", notJson.StandardError);
        var unchanged = await RunJsonAsync("kms", "get-key-policy", "--key-id", keyId, "--policy-name", "default");
        Assert.Equal(policy.GetProperty("Policy").GetString(), unchanged.GetProperty("Policy").GetString());
    }

    [Fact]
    public async Task AwsCli_LookupEventsForDecrypt_ListsTheCallsAndAuditVerifyNamesAnAlteredRecord()
    {
        var reader = _server.CreateUser("reader", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}""");
        var created = await RunJsonAsync("kms", "create-key");
        var keyArn = created.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var plaintextPath = Path.Combine(_server.DataDirectory, "p.bin");
        await File.WriteAllBytesAsync(plaintextPath, "audited"u8.ToArray());
        var readerEnvironment = _server.ClientEnvironment();
        readerEnvironment["AWS_ACCESS_KEY_ID"] = reader.AccessKeyId;
        readerEnvironment["AWS_SECRET_ACCESS_KEY"] = reader.SecretAccessKey;
        var encrypted = JsonDocument.Parse((await AwsCli.RunAsync(_server.Endpoint, readerEnvironment, "kms", "encrypt", "--key-id", keyArn, "--plaintext", "fileb://" + plaintextPath,
            "--encryption-context", "purpose=audit")).StandardOutput).RootElement;
        var ciphertextPath = Path.Combine(_server.DataDirectory, "c.bin");
        await File.WriteAllBytesAsync(ciphertextPath, Convert.FromBase64String(encrypted.GetProperty("CiphertextBlob").GetString()!));
        for (var i = 0; i < 2; i++)
        {
            var decrypted = await AwsCli.RunAsync(_server.Endpoint, readerEnvironment, "kms", "decrypt", "--ciphertext-blob", "fileb://" + ciphertextPath, "--encryption-context", "purpose=audit");
            Assert.Equal(0, decrypted.ExitCode);
        }

        var denied = await AwsCli.RunAsync(_server.Endpoint, readerEnvironment, "kms", "disable-key", "--key-id", keyArn);
        Assert.Contains("AccessDeniedException", denied.StandardError);

        var lookup = await RunJsonAsync("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=Decrypt");
        var events = lookup.GetProperty("Events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        foreach (var item in events)
        {
            Assert.Equal("Decrypt", item.GetProperty("EventName").GetString());
            Assert.Equal("reader", item.GetProperty("Username").GetString());
            Assert.Equal("true", item.GetProperty("ReadOnly").GetString());
            Assert.Equal(reader.AccessKeyId, item.GetProperty("AccessKeyId").GetString());
            Assert.Equal("kms.amazonaws.com", item.GetProperty("EventSource").GetString());
            var resource = Assert.Single(item.GetProperty("Resources").EnumerateArray());
            Assert.Equal("AWS::KMS::Key", resource.GetProperty("ResourceType").GetString());
            Assert.Equal(keyArn, resource.GetProperty("ResourceName").GetString());
            var record = JsonDocument.Parse(item.GetProperty("CloudTrailEvent").GetString()!).RootElement;
            Assert.Equal("1.08", record.GetProperty("eventVersion").GetString());
            Assert.Equal("IAMUser", record.GetProperty("userIdentity").GetProperty("type").GetString());
            Assert.Equal(reader.User.Arn, record.GetProperty("userIdentity").GetProperty("arn").GetString());
            Assert.Equal("audit", record.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("purpose").GetString());
            Assert.Equal(keyArn, record.GetProperty("requestParameters").GetProperty("keyId").GetString());
            Assert.Equal(JsonValueKind.Null, record.GetProperty("responseElements").ValueKind);
            Assert.Equal(keyArn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());
            Assert.Equal("Management", record.GetProperty("eventCategory").GetString());
            Assert.Equal(_server.AccountId, record.GetProperty("recipientAccountId").GetString());
            Assert.DoesNotContain("audited", item.GetProperty("CloudTrailEvent").GetString(), StringComparison.Ordinal);
        }

        var refusals = await RunJsonAsync("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=DisableKey");
        var refusal = JsonDocument.Parse(Assert.Single(refusals.GetProperty("Events").EnumerateArray()).GetProperty("CloudTrailEvent").GetString()!).RootElement;
        Assert.Equal("AccessDeniedException", refusal.GetProperty("errorCode").GetString());
        var byUser = await RunJsonAsync("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=Username,AttributeValue=reader", "--page-size", "1");
        Assert.Equal(4, byUser.GetProperty("Events").GetArrayLength());
        var badRange = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "cloudtrail", "lookup-events", "--start-time", "2030-01-02T00:00:00Z", "--end-time", "2030-01-01T00:00:00Z");
        Assert.Contains("InvalidTimeRangeException", badRange.StandardError);

        var verified = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _server.DataDirectory);
        output.WriteLine(verified.Output);
        Assert.Equal(0, verified.ExitCode);
        Assert.Matches(@"verified \d+ records", verified.StandardOutput);

        // Alter one stored record, as someone with write access to the file would (dropping the append-only trigger first).
        var altered = events[1].GetProperty("EventId").GetString()!;
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_server.DataDirectory, "tracevault.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET username = 'somebody-else', record = replace(record, 'reader', 'somebody-else') WHERE event_id = $id";
            command.Parameters.AddWithValue("$id", altered);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var broken = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _server.DataDirectory);
        output.WriteLine(broken.Output);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains(altered, broken.Output, StringComparison.Ordinal);
    }

    private async Task RunAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    private async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed:\n{result.Output}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}
