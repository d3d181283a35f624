using System.CommandLine;
using Tracevault.Server.Cli;
using Tracevault.Server.ExternalKms;

namespace Tracevault.Server.Tests.Foundation;

/// <summary><c>serve --external-kms</c> and its options: values, defaults, and what stops the start.</summary>
public sealed class ServeExternalKmsSettingsTests
{
    [Fact]
    public void Options_Given_AreRead_AndValidate()
    {
        var options = Read("--external-kms", "https://kms.eu-west-1.amazonaws.com", "--external-kms-profile", "security", "--external-kms-grantee", "arn:aws:iam::444455556666:role/tracevault",
            "--external-kms-cache", "90s", "--external-kms-check-interval", "2m");
        Assert.Equal(new Uri("https://kms.eu-west-1.amazonaws.com"), options.Endpoint);
        Assert.Equal("security", options.Profile);
        Assert.Equal("arn:aws:iam::444455556666:role/tracevault", options.Grantee);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Keys.CacheTime);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Keys.CheckInterval);
        options.Validate();
    }

    [Fact]
    public void Options_Omitted_MeanNoExternalService_FiveMinuteCache_SixtySecondChecks()
    {
        var options = Read();
        Assert.Null(options.Endpoint);
        Assert.Null(options.Profile);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Keys.CacheTime);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Keys.CheckInterval);
        options.Validate();
    }

    [Fact]
    public void BadValues_StopTheStart_NamingTheOption()
    {
        Assert.Contains("--external-kms-cache", Assert.Throws<ArgumentException>(() => Read("--external-kms-cache", "soon")).Message);
        Assert.Contains("--external-kms-check-interval", Assert.Throws<ArgumentException>(() => Read("--external-kms-check-interval", "-5")).Message);
        Assert.Contains("--external-kms-grantee", Assert.Throws<ArgumentException>(() => Read("--external-kms", "https://kms.eu-west-1.amazonaws.com").Validate()).Message);
        Assert.Contains("http or https", Assert.Throws<ArgumentException>(() => Read("--external-kms", "ftp://kms.example", "--external-kms-grantee", "arn:aws:iam::1:user/x").Validate()).Message);
        Assert.Throws<ArgumentException>(() => Read("--external-kms-cache", "48h").Validate());
    }

    private static ExternalKmsOptions Read(params string[] args)
    {
        var cli = new ExternalKmsCliOptions();
        var command = new Command("serve");
        foreach (var option in cli.All)
        {
            command.Options.Add(option);
        }

        var options = new ExternalKmsOptions();
        cli.Read(ServeSettings.Load(command.Parse(args), command, null), options);
        return options;
    }
}
