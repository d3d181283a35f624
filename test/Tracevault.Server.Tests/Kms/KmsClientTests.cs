using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>The real JavaScript clients against one server: the Encryption SDK, and key access by grants and across accounts.</summary>
public sealed class KmsClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AllowAllKms = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task EncryptionSdk_KmsKeyring_RoundTripsAMessage()
    {
        await NodeClients.RunTestScriptAsync("kms-esdk.test.mjs", _server.ClientEnvironment(), output);
    }

    [Fact]
    public async Task JavaScriptSdk_CloudTrailLookupEvents_FiltersPagesAndRefusesBadInput()
    {
        await NodeClients.RunTestScriptAsync("kms-cloudtrail.test.mjs", _server.ClientEnvironment(), output);
    }

    [Fact]
    public async Task JavaScriptSdk_GrantsAndCrossAccountAccess_AllowOnlyWhatTheyName()
    {
        var grantee = _server.CreateUser("grantee");
        var identity = _server.Server.Data.Identity;
        var otherAccount = identity.CreateAccount();
        var other = identity.CreateUser(otherAccount.Id, "partner", [AllowAllKms]);
        var otherBare = identity.CreateUser(otherAccount.Id, "bare", []);
        var environment = _server.ClientEnvironment();
        environment["GRANTEE_ARN"] = grantee.User.Arn;
        environment["GRANTEE_ACCESS_KEY_ID"] = grantee.AccessKeyId;
        environment["GRANTEE_SECRET_ACCESS_KEY"] = grantee.SecretAccessKey;
        environment["OTHER_ACCOUNT"] = otherAccount.Id;
        environment["OTHER_ACCESS_KEY_ID"] = other.AccessKeyId;
        environment["OTHER_SECRET_ACCESS_KEY"] = other.SecretAccessKey;
        environment["OTHERBARE_ACCESS_KEY_ID"] = otherBare.AccessKeyId;
        environment["OTHERBARE_SECRET_ACCESS_KEY"] = otherBare.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("kms-access.test.mjs", environment, output);

        // Cross-account use shows in the key owner's trail as well as the caller's.
        var audit = _server.Server.Services.GetService(typeof(Keys.Audit.IAuditLog)) as Keys.Audit.IAuditLog;
        var ownerTrail = audit!.Lookup(new Keys.Audit.AuditQuery(_server.AccountId, "Username", "partner", null, null, 50, null));
        var partnerTrail = audit.Lookup(new Keys.Audit.AuditQuery(otherAccount.Id, "Username", "partner", null, null, 50, null));
        Assert.Contains(ownerTrail.Events, e => e.EventName == "Encrypt");
        Assert.Contains(partnerTrail.Events, e => e.EventName == "Encrypt");
    }
}
