using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>The <c>tracevault</c> command as a user runs it: first start, printed settings, admin commands, restart.</summary>
public sealed partial class CommandLineTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-cli-" + Path.GetRandomFileName());

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
    public async Task Serve_OnFreshDirectory_PrintsSettingsThatTheCliAndSdkUse()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        output.WriteLine(server.Output);
        var settings = ExportLine().Matches(server.Output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        Assert.Equal(Path.Combine(_data, "credentials"), settings["AWS_SHARED_CREDENTIALS_FILE"]);
        Assert.Equal("us-east-1", settings["AWS_REGION"]);
        Assert.Equal("us-east-1", settings["AWS_DEFAULT_REGION"]);
        Assert.Equal(server.Endpoint, settings["AWS_ENDPOINT_URL"]);
        Assert.Contains($"Tracevault is serving on http://127.0.0.1:{server.Port}", server.Output);

        var cli = await AwsCli.RunAsync(server.Endpoint, settings, "xray", "get-insight-summaries", "--start-time", "2026-01-01T00:00:00Z", "--end-time", "2026-01-01T01:00:00Z");
        output.WriteLine(cli.Output);
        Assert.NotEqual(0, cli.ExitCode);
        // Answered by the server in X-Ray's envelope: insights need a group.
        Assert.Contains("InvalidRequestException", cli.StandardError);
        Assert.Contains("GroupName or GroupARN is required", cli.StandardError);
        Assert.DoesNotContain("<html", cli.Output, StringComparison.OrdinalIgnoreCase);

        var kms = await AwsCli.RunAsync(server.Endpoint, settings, "kms", "describe-custom-key-stores");
        output.WriteLine(kms.Output);
        Assert.Contains("(UnsupportedOperationException)", kms.StandardError);

        var credentials = File.ReadAllText(settings["AWS_SHARED_CREDENTIALS_FILE"]);
        var environment = new Dictionary<string, string>(settings)
        {
            ["TRACEVAULT_ENDPOINT"] = server.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = Regex.Match(credentials, "aws_access_key_id = (\\S+)").Groups[1].Value,
            ["AWS_SECRET_ACCESS_KEY"] = Regex.Match(credentials, "aws_secret_access_key = (\\S+)").Groups[1].Value,
        };
        var limited = await ServerProcess.RunCommandAsync("users", "create", "limited", "--data", _data, "--policy", WritePolicy("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:GetEncryptionConfig","Resource":"*"}]}"""));
        var denied = await ServerProcess.RunCommandAsync("users", "create", "denied", "--data", _data, "--policy", WritePolicy("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"xray:GetEncryptionConfig","Resource":"*"}]}"""));
        AddKey(environment, "LIMITED", limited);
        AddKey(environment, "DENIED", denied);
        await NodeClients.RunTestScriptAsync("foundation.test.mjs", environment, output);
    }

    [Fact]
    public async Task Restart_OnSameDirectory_KeepsAccountUsersAndKeys()
    {
        string accountId;
        ProcessRunner.Result created;
        await using (var first = await ServerProcess.StartAsync(_data))
        {
            accountId = Regex.Match(first.Output, "account (\\d{12})").Groups[1].Value;
            Assert.Matches("^\\d{12}$", accountId);
            created = await ServerProcess.RunCommandAsync("users", "create", "alice", "--data", _data, "--policy", WritePolicy("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"""));
            Assert.True(created.ExitCode == 0, created.Output);
        }

        await using var second = await ServerProcess.StartAsync(_data);
        Assert.DoesNotContain("Initialized", second.Output);
        var list = await ServerProcess.RunCommandAsync("users", "list", "--data", _data);
        Assert.Contains(accountId + "\tadmin", list.StandardOutput);
        Assert.Contains(accountId + "\talice", list.StandardOutput);

        var keyId = Regex.Match(created.StandardOutput, "aws_access_key_id = (\\S+)").Groups[1].Value;
        var secret = Regex.Match(created.StandardOutput, "aws_secret_access_key = (\\S+)").Groups[1].Value;
        using var client = new SignedHttpClient(second.Endpoint, keyId, secret);
        using var response = await client.KmsAsync("NoSuchOperation", SignedHttpClient.Json("""{"KeyId":"alias/x"}"""));
        Assert.Equal("UnknownOperationException", (await FoundationTests.ReadErrorAsync(response)).Type);
    }

    [Fact]
    public async Task AccountsCreate_MakesAnotherAccountWithItsOwnAdmin()
    {
        var init = await ServerProcess.RunCommandAsync("init", "--data", _data);
        Assert.True(init.ExitCode == 0, init.Output);
        var created = await ServerProcess.RunCommandAsync("accounts", "create", "--data", _data);
        Assert.True(created.ExitCode == 0, created.Output);
        var list = await ServerProcess.RunCommandAsync("users", "list", "--data", _data);
        Assert.Equal(2, Regex.Count(list.StandardOutput, "\tadmin\t"));
    }

    [Fact]
    public async Task UsersCreate_WithMalformedPolicy_Fails()
    {
        await ServerProcess.RunCommandAsync("init", "--data", _data);
        var result = await ServerProcess.RunCommandAsync("users", "create", "bob", "--data", _data, "--policy", WritePolicy("""{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"""));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Effect", result.StandardError);
    }

    private static void AddKey(Dictionary<string, string> environment, string name, ProcessRunner.Result created)
    {
        Assert.True(created.ExitCode == 0, created.Output);
        environment[name + "_ACCESS_KEY_ID"] = Regex.Match(created.StandardOutput, "aws_access_key_id = (\\S+)").Groups[1].Value;
        environment[name + "_SECRET_ACCESS_KEY"] = Regex.Match(created.StandardOutput, "aws_secret_access_key = (\\S+)").Groups[1].Value;
    }

    private string WritePolicy(string json)
    {
        Directory.CreateDirectory(_data);
        var path = Path.Combine(_data, "policy-" + Path.GetRandomFileName() + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [GeneratedRegex("^export (AWS_[A-Z_]+)=(.+)$", RegexOptions.Multiline)]
    private static partial Regex ExportLine();
}
