using System.Runtime.CompilerServices;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Settings every server process a test starts inherits, unless the test gives its own.</summary>
internal static class ServerDefaults
{
    /// <summary>Turns the metrics listener off by default (<c>TRACEVAULT_METRICS=off</c>) for the server processes tests start.</summary>
    /// <remarks>
    /// <c>serve</c> asks for the default metrics port 127.0.0.1:9464; tests start servers in parallel, and two that find it free
    /// at the same moment race for it, the loser failing to start. Tests of metrics give <c>--metrics HOST:PORT</c>, which wins
    /// over the environment.
    /// </remarks>
    [ModuleInitializer]
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable("TRACEVAULT_METRICS") is null)
        {
            Environment.SetEnvironmentVariable("TRACEVAULT_METRICS", "off");
        }
    }
}
