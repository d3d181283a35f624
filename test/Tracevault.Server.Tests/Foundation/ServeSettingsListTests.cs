using System.CommandLine;
using Tracevault.Server.Cli;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>A repeatable <c>serve</c> option (<c>--udp-allow</c>) from the command line, the environment or the configuration file.</summary>
public sealed class ServeSettingsListTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "tracevault-settings-" + Path.GetRandomFileName() + ".json");

    public void Dispose()
    {
        File.Delete(_file);
        Environment.SetEnvironmentVariable("TRACEVAULT_UDP_ALLOW", null);
    }

    [Fact]
    public void GetList_FileArrayEnvironmentListAndCommandLine_CommandLineOverEnvironmentOverFile()
    {
        File.WriteAllText(_file, """{"udp-allow": ["10.0.0.0/8", "192.168.7.0/24"]}""");
        Assert.Equal(["10.0.0.0/8", "192.168.7.0/24"], Read("serve", "--config", _file));

        Environment.SetEnvironmentVariable("TRACEVAULT_UDP_ALLOW", "172.16.0.0/12, 192.0.2.9");
        Assert.Equal(["172.16.0.0/12", "192.0.2.9"], Read("serve", "--config", _file));

        Assert.Equal(["198.51.100.0/24", "203.0.113.1"], Read("serve", "--config", _file, "--udp-allow", "198.51.100.0/24", "--udp-allow", "203.0.113.1"));
    }

    [Fact]
    public void GetList_FileString_IsCommaSeparated()
    {
        File.WriteAllText(_file, """{"udp-allow": "10.0.0.0/8,fd00::/8"}""");
        Assert.Equal(["10.0.0.0/8", "fd00::/8"], Read("serve", "--config", _file));
    }

    private static IReadOnlyList<string> Read(params string[] args)
    {
        var serve = TracevaultCommand.Create().Subcommands.Single(c => c.Name == "serve");
        var parse = serve.Parse(args[1..]);
        var config = (Option<string?>)serve.Options.Single(o => o.Name == "--config");
        var allow = (Option<string[]>)serve.Options.Single(o => o.Name == "--udp-allow");
        return ServeSettings.Load(parse, serve, config).GetList(allow);
    }
}
