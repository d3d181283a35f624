using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Foundation;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Identity;

/// <summary>
/// The access-key and user lifecycle as an operator runs it: <c>tracevault users …</c> in its own process while a server
/// process runs on the same data directory, checked with signed API calls, the AWS CLI and a cookie-keeping console client.
/// </summary>
public sealed partial class UserLifecycleTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>A user's policy that lets it use the API and the console, but not an administrator's (which allows every action).</summary>
    private const string UserPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","xray:*"],"Resource":"*"}]}""";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-users-" + Path.GetRandomFileName());

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
    public async Task AccessKey_DeactivatedByTheCli_IsRefusedAndEndsItsConsoleSession_ActivatedWorks_DeletedIsGone()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        var (keyId, secret) = Key(await TracevaultAsync("users", "create", "alice", "--data", _data, "--policy", UserPolicy));
        using var api = new SignedHttpClient(server.Endpoint, keyId, secret);
        using var console = new ConsoleHttpClient(server.Endpoint);
        await SignInAsync(console, keyId, secret);
        await AssertSignedInAsync(console);
        await AssertAcceptedAsync(api);

        await TracevaultAsync("users", "keys", "deactivate", keyId, "--data", _data);
        await AssertSessionEndedAsync(console);
        await AssertRefusedAsync(api);
        var cli = await AwsCli.RunAsync(server.Endpoint, AwsEnvironment(keyId, secret), "kms", "list-keys");
        output.WriteLine(cli.Output);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("UnrecognizedClientException", cli.StandardError, StringComparison.Ordinal);
        using (var again = await console.SignInAsync(keyId, secret))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Contains("is not right", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains($"\talice\t{keyId}(Inactive)\t", (await TracevaultAsync("users", "list", "--data", _data)).StandardOutput, StringComparison.Ordinal);

        await TracevaultAsync("users", "keys", "activate", keyId, "--data", _data);
        await AssertAcceptedAsync(api);
        var working = await AwsCli.RunAsync(server.Endpoint, AwsEnvironment(keyId, secret), "kms", "list-keys");
        Assert.True(working.ExitCode == 0, working.Output);
        await SignInAsync(console, keyId, secret);
        await AssertSignedInAsync(console);

        await TracevaultAsync("users", "keys", "delete", keyId, "--data", _data);
        await AssertSessionEndedAsync(console);
        await AssertRefusedAsync(api);
        var list = await TracevaultAsync("users", "list", "--data", _data);
        Assert.Contains("\talice\t\t", list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(keyId, list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Console session of user alice", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_UpdatedAndDeletedByTheCli_TakesEffectAtOnce_AndEveryChangeIsAnIamRecord()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        var admin = Key(File.ReadAllText(Path.Combine(_data, "credentials")));
        var (keyId, secret) = Key(await TracevaultAsync("users", "create", "bob", "--data", _data, "--policy", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:GetEncryptionConfig","Resource":"*"}]}"""));
        var (secondId, secondSecret) = Key(await TracevaultAsync("users", "keys", "create", "bob", "--data", _data));
        var third = await ServerProcess.RunCommandAsync("users", "keys", "create", "bob", "--data", _data);
        Assert.Equal(1, third.ExitCode);
        Assert.Contains("already has 2 access keys", third.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("aws_secret_access_key", third.StandardOutput, StringComparison.Ordinal);

        using var api = new SignedHttpClient(server.Endpoint, keyId, secret);
        using var console = new ConsoleHttpClient(server.Endpoint);
        await SignInAsync(console, secondId, secondSecret);
        using (var denied = await api.KmsAsync("ListKeys", SignedHttpClient.Json("{}")))
        {
            Assert.Equal("AccessDeniedException", (await FoundationTests.ReadErrorAsync(denied)).Type);
        }

        // A policy that does not parse is refused and changes nothing; a good one applies from the next request, without restart.
        var malformed = await ServerProcess.RunCommandAsync("users", "update", "bob", "--data", _data, "--policy", """{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Action":"*","Resource":"*"}]}""");
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains("Effect", malformed.StandardError, StringComparison.Ordinal);
        var policyFile = Path.Combine(_data, "bob-policy.json");
        File.WriteAllText(policyFile, UserPolicy);
        await TracevaultAsync("users", "update", "bob", "--data", _data, "--policy", policyFile);
        await AssertAcceptedAsync(api);

        await TracevaultAsync("users", "delete", "bob", "--data", _data);
        await AssertRefusedAsync(api);
        await AssertSessionEndedAsync(console);
        Assert.DoesNotContain("\tbob\t", (await TracevaultAsync("users", "list", "--data", _data)).StandardOutput, StringComparison.Ordinal);

        using var adminApi = new SignedHttpClient(server.Endpoint, admin.KeyId, admin.Secret);
        using var lookup = await adminApi.SendAsync("/", "cloudtrail", SignedHttpClient.Json("""{"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"iam.amazonaws.com"}],"MaxResults":50}"""),
            "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, null, null);
        var body = await lookup.Content.ReadAsStringAsync();
        Assert.True(lookup.IsSuccessStatusCode, body);
        var events = JsonDocument.Parse(body).RootElement.GetProperty("Events").EnumerateArray()
            .Select(e => JsonDocument.Parse(e.GetProperty("CloudTrailEvent").GetString()!).RootElement).ToList();
        var bobs = events.Where(e => e.GetProperty("requestParameters").GetProperty("userName").GetString() == "bob").ToList();
        Assert.Equal(
            ["DeleteUser", "DeleteAccessKey", "DeleteAccessKey", "PutUserPolicy", "CreateAccessKey", "CreateAccessKey", "PutUserPolicy", "CreateUser"],
            bobs.Select(e => e.GetProperty("eventName").GetString()));
        Assert.All(bobs, e =>
        {
            Assert.Equal("iam.amazonaws.com", e.GetProperty("eventSource").GetString());
            Assert.Equal("Root", e.GetProperty("userIdentity").GetProperty("type").GetString());
            Assert.DoesNotContain(secret, e.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(secondSecret, e.GetRawText(), StringComparison.Ordinal);
        });
        Assert.Equal(secondId, bobs[4].GetProperty("responseElements").GetProperty("accessKey").GetProperty("accessKeyId").GetString());
        Assert.Equal(UserPolicy, bobs[3].GetProperty("requestParameters").GetProperty("policyDocument").GetString());

        var verify = await TracevaultAsync("audit", "verify", "--data", _data);
        Assert.StartsWith("verified ", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_ThatWouldLockTheAdminOut_AreRefusedUnlessForced()
    {
        await TracevaultAsync("init", "--data", _data);
        var credentials = Path.Combine(_data, "credentials");
        var adminKey = Key(File.ReadAllText(credentials)).KeyId;

        // The admin's key is the one the credentials file holds, and the account's only administrator's only key.
        var deactivate = await ServerProcess.RunCommandAsync("users", "keys", "deactivate", adminKey, "--data", _data);
        Assert.Equal(1, deactivate.ExitCode);
        Assert.Contains("--write-credentials", deactivate.StandardError, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", deactivate.StandardError, StringComparison.Ordinal);
        var delete = await ServerProcess.RunCommandAsync("users", "delete", "admin", "--data", _data);
        Assert.Equal(1, delete.ExitCode);
        var demote = await ServerProcess.RunCommandAsync("users", "update", "admin", "--data", _data, "--policy", UserPolicy);
        Assert.Equal(1, demote.ExitCode);
        Assert.Contains("no administrator", demote.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("(Inactive)", (await TracevaultAsync("users", "list", "--data", _data)).StandardOutput, StringComparison.Ordinal);

        // Rotation: a new key, written to the credentials file, then the old one can go. The secret goes nowhere unless asked.
        var before = File.ReadAllText(credentials);
        var printed = await TracevaultAsync("users", "keys", "create", "admin", "--data", _data);
        Assert.Equal(before, File.ReadAllText(credentials));
        await TracevaultAsync("users", "keys", "delete", Key(printed).KeyId, "--data", _data);
        var rotated = Key(await TracevaultAsync("users", "keys", "create", "admin", "--data", _data, "--write-credentials"));
        Assert.Equal(rotated, Key(File.ReadAllText(credentials)));
        await TracevaultAsync("users", "keys", "delete", adminKey, "--data", _data);

        // With another administrator, the admin may be demoted; the last active key of the last administrator stays unless forced.
        await TracevaultAsync("users", "create", "ops", "--data", _data, "--policy", Keys.Identity.IdentityService.AdministratorPolicy);
        await TracevaultAsync("users", "update", "admin", "--data", _data, "--policy", UserPolicy);
        var opsKey = Key(await TracevaultAsync("users", "keys", "create", "ops", "--data", _data)).KeyId;
        var lastAdmin = await ServerProcess.RunCommandAsync("users", "delete", "ops", "--data", _data);
        Assert.Equal(1, lastAdmin.ExitCode);
        Assert.Contains("Deleting user ops would leave account", lastAdmin.StandardError, StringComparison.Ordinal);
        await TracevaultAsync("users", "keys", "deactivate", opsKey, "--data", _data);
        var last = await ServerProcess.RunCommandAsync("users", "keys", "deactivate", OpsFirstKey(await TracevaultAsync("users", "list", "--data", _data), opsKey), "--data", _data);
        Assert.Equal(1, last.ExitCode);
        Assert.Contains("no administrator", last.StandardError, StringComparison.Ordinal);
        await TracevaultAsync("users", "keys", "deactivate", rotated.KeyId, "--data", _data, "--force");
        Assert.Contains($"{rotated.KeyId}(Inactive)", (await TracevaultAsync("users", "list", "--data", _data)).StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The key of user ops in <c>users list</c> other than <paramref name="other"/>.</summary>
    private static string OpsFirstKey(ProcessRunner.Result list, string other) =>
        Regex.Match(list.StandardOutput, @"\tops\t([^\t]+)\t").Groups[1].Value.Split(',').Single(k => !k.StartsWith(other, StringComparison.Ordinal));

    private static async Task SignInAsync(ConsoleHttpClient console, string keyId, string secret)
    {
        using var signedIn = await console.SignInAsync(keyId, secret);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/console/traces", signedIn.Headers.Location?.OriginalString);
    }

    private static async Task AssertSignedInAsync(ConsoleHttpClient console)
    {
        using var page = await console.GetAsync("/console/keys");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task AssertSessionEndedAsync(ConsoleHttpClient console)
    {
        using var page = await console.GetAsync("/console/keys");
        Assert.Equal(HttpStatusCode.SeeOther, page.StatusCode);
        Assert.Equal("/console/signin?next=%2Fconsole%2Fkeys&ended=1", page.Headers.Location?.OriginalString);
    }

    private static async Task AssertAcceptedAsync(SignedHttpClient api)
    {
        using var kms = await api.KmsAsync("ListKeys", SignedHttpClient.Json("{}"));
        Assert.True(kms.IsSuccessStatusCode, await kms.Content.ReadAsStringAsync());
    }

    /// <summary>A key that is inactive or gone gets the answer AWS gives an unknown key, on every protocol.</summary>
    private static async Task AssertRefusedAsync(SignedHttpClient api)
    {
        using var kms = await api.KmsAsync("ListKeys", SignedHttpClient.Json("{}"));
        var kmsError = await FoundationTests.ReadErrorAsync(kms);
        Assert.Equal(("UnrecognizedClientException", "The security token included in the request is invalid."), kmsError);
        Assert.Equal(HttpStatusCode.BadRequest, kms.StatusCode);
        using var xray = await api.XRayAsync("/EncryptionConfig", SignedHttpClient.Json("{}"));
        Assert.Equal("UnrecognizedClientException", (await FoundationTests.ReadErrorAsync(xray)).Type);
    }

    private static Dictionary<string, string> AwsEnvironment(string keyId, string secret) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = keyId,
        ["AWS_SECRET_ACCESS_KEY"] = secret,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_MAX_ATTEMPTS"] = "1",
    };

    private async Task<ProcessRunner.Result> TracevaultAsync(params string[] arguments)
    {
        var result = await ServerProcess.RunCommandAsync(arguments);
        output.WriteLine($"$ tracevault {string.Join(' ', arguments)}\n{result.Output}");
        Assert.True(result.ExitCode == 0, result.Output);
        return result;
    }

    private static (string KeyId, string Secret) Key(ProcessRunner.Result result) => Key(result.StandardOutput);

    private static (string KeyId, string Secret) Key(string text) =>
        (KeyIdLine().Match(text).Groups[1].Value, SecretLine().Match(text).Groups[1].Value) is var (id, secret) && id.Length > 0 && secret.Length > 0
            ? (id, secret)
            : throw new InvalidOperationException("No access key in:\n" + text);

    [GeneratedRegex(@"aws_access_key_id = (\S+)")]
    private static partial Regex KeyIdLine();

    [GeneratedRegex(@"aws_secret_access_key = (\S+)")]
    private static partial Regex SecretLine();
}
