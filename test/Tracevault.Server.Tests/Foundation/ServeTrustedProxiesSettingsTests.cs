using System.CommandLine;
using Tracevault.Server.Cli;

namespace Tracevault.Server.Tests.Foundation;

/// <summary><c>--trusted-proxy</c> from the command line (repeatable), <c>TRACEVAULT_TRUSTED_PROXIES</c> (comma-separated) or the file's <c>trusted-proxies</c>.</summary>
public sealed class ServeTrustedProxiesSettingsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "tracevault-settings-" + Path.GetRandomFileName() + ".json");

    public void Dispose()
    {
        File.Delete(_file);
        Environment.SetEnvironmentVariable("TRACEVAULT_TRUSTED_PROXIES", null);
    }

    [Fact]
    public void TrustedProxies_FromFileEnvironmentAndCommandLine_CommandLineOverEnvironmentOverFile()
    {
        File.WriteAllText(_file, """{"trusted-proxies": ["10.0.0.0/8"]}""");
        Assert.Equal(["10.0.0.0/8"], Read("--config", _file));

        Environment.SetEnvironmentVariable("TRACEVAULT_TRUSTED_PROXIES", "172.16.0.0/12, 127.0.0.1/32");
        Assert.Equal(["172.16.0.0/12", "127.0.0.1/32"], Read("--config", _file));

        Assert.Equal(["198.51.100.0/24", "203.0.113.1"], Read("--config", _file, "--trusted-proxy", "198.51.100.0/24", "--trusted-proxy", "203.0.113.1"));
    }

    private static IReadOnlyList<string> Read(params string[] args)
    {
        var serve = TracevaultCommand.Create().Subcommands.Single(c => c.Name == "serve");
        var parse = serve.Parse(args);
        var config = (Option<string?>)serve.Options.Single(o => o.Name == "--config");
        var trusted = (Option<string[]>)serve.Options.Single(o => o.Name == "--trusted-proxies");
        return ServeSettings.Load(parse, serve, config).GetList(trusted);
    }
}
