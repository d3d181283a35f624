using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Runs the real AWS clients' test scripts under Node.js, installing their npm packages first when absent.</summary>
public static class NodeClients
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    /// <summary>Makes sure <c>test/clients/node_modules</c> matches the lock file (runs <c>npm ci</c> once when it is missing).</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed)
            {
                return;
            }

            if (!File.Exists(Path.Combine(RepositoryPaths.Clients, "node_modules", ".package-lock.json")))
            {
                var install = await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], RepositoryPaths.Clients, timeout: TimeSpan.FromMinutes(10));
                Assert.True(install.ExitCode == 0, "npm ci failed:\n" + install.Output);
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs one <c>node --test</c> script against a server and asserts that every test in it passed.</summary>
    public static async Task<ProcessRunner.Result> RunTestScriptAsync(string script, IDictionary<string, string> environment, ITestOutputHelper? output = null)
    {
        await EnsureInstalledAsync();
        var result = await ProcessRunner.RunAsync("node", ["--test", "--test-reporter=spec", "--test-concurrency=1", script], RepositoryPaths.Clients, environment, TimeSpan.FromMinutes(5));
        output?.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"{script} failed:\n{result.Output}");
        return result;
    }
}
