using System.Text.Json;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>The real clients retiring grants, listing retirable grants, asking a key's last use, and calling what Tracevault does not offer.</summary>
public sealed class KmsGrantsClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AllowAllKms = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_RetireListRetirableLastUsageAndUnsupported_AsAwsKmsAnswers()
    {
        var retirer = _server.CreateUser("retirer");
        var grantee = _server.CreateUser("grantee");
        var identity = _server.Server.Data.Identity;
        var partner = identity.CreateUser(identity.CreateAccount().Id, "partner", [AllowAllKms]);
        var environment = _server.ClientEnvironment();
        environment["RETIRER_ARN"] = retirer.User.Arn;
        environment["RETIRER_ACCESS_KEY_ID"] = retirer.AccessKeyId;
        environment["RETIRER_SECRET_ACCESS_KEY"] = retirer.SecretAccessKey;
        environment["GRANTEE_ARN"] = grantee.User.Arn;
        environment["GRANTEE_ACCESS_KEY_ID"] = grantee.AccessKeyId;
        environment["GRANTEE_SECRET_ACCESS_KEY"] = grantee.SecretAccessKey;
        environment["OTHER_ACCESS_KEY_ID"] = partner.AccessKeyId;
        environment["OTHER_SECRET_ACCESS_KEY"] = partner.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("kms-grants.test.mjs", environment, output);

        // Each refused operation is in the trail with its error, and no key store password is.
        var audit = (Keys.Audit.IAuditLog)_server.Server.Services.GetService(typeof(Keys.Audit.IAuditLog))!;
        var created = audit.Lookup(new Keys.Audit.AuditQuery(_server.AccountId, "EventName", "CreateCustomKeyStore", null, null, 50, null)).Events;
        Assert.Contains(created, e => e.RecordJson.Contains("\"errorCode\":\"UnsupportedOperationException\"", StringComparison.Ordinal));
        Assert.DoesNotContain(created, e => e.RecordJson.Contains("secret-password", StringComparison.Ordinal));
        Assert.NotEmpty(audit.Lookup(new Keys.Audit.AuditQuery(_server.AccountId, "EventName", "ListRetirableGrants", null, null, 50, null)).Events);
        Assert.NotEmpty(audit.Lookup(new Keys.Audit.AuditQuery(_server.AccountId, "EventName", "GetKeyLastUsage", null, null, 50, null)).Events);
    }

    [Fact]
    public async Task AwsCli_RetireGrantListRetirableGrantsAndUnsupportedOperations()
    {
        var retirer = _server.CreateUser("retirer");
        var key = await RunJsonAsync(_server.ClientEnvironment(), "kms", "create-key");
        var keyId = key.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var grant = await RunJsonAsync(_server.ClientEnvironment(), "kms", "create-grant", "--key-id", keyId, "--grantee-principal", retirer.User.Arn,
            "--retiring-principal", retirer.User.Arn, "--operations", "Encrypt");
        var listed = await RunJsonAsync(_server.ClientEnvironment(), "kms", "list-retirable-grants", "--retiring-principal", retirer.User.Arn);
        Assert.Equal(grant.GetProperty("GrantId").GetString(), Assert.Single(listed.GetProperty("Grants").EnumerateArray().ToList()).GetProperty("GrantId").GetString());

        var asRetirer = _server.ClientEnvironment();
        asRetirer["AWS_ACCESS_KEY_ID"] = retirer.AccessKeyId;
        asRetirer["AWS_SECRET_ACCESS_KEY"] = retirer.SecretAccessKey;
        var retired = await AwsCli.RunAsync(_server.Endpoint, asRetirer, "kms", "retire-grant", "--grant-token", grant.GetProperty("GrantToken").GetString()!);
        Assert.True(retired.ExitCode == 0, retired.Output);
        Assert.Empty((await RunJsonAsync(_server.ClientEnvironment(), "kms", "list-grants", "--key-id", keyId)).GetProperty("Grants").EnumerateArray());

        foreach (var arguments in new[]
        {
            new[] { "create-custom-key-store", "--custom-key-store-name", "hsm", "--cloud-hsm-cluster-id", "cluster-1234567890a" },
            ["describe-custom-key-stores"],
            ["connect-custom-key-store", "--custom-key-store-id", "cks-1234567890abcdef0"],
            ["replicate-key", "--key-id", keyId, "--replica-region", "us-west-2"],
            ["update-primary-region", "--key-id", keyId, "--primary-region", "us-west-2"],
        })
        {
            var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["kms", .. arguments]);
            output.WriteLine(result.Output);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("(UnsupportedOperationException)", result.StandardError, StringComparison.Ordinal);
        }
    }

    private async Task<JsonElement> RunJsonAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, environment, arguments);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}
