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

    /// <summary>
    /// Runs one <c>node --test</c> script against a server and asserts that it ran at least one test and that every test in it
    /// passed: the runner's TAP summary is read, not only its exit code, so a script that registers no test, or skips one not
    /// named in <paramref name="declaredSkips"/>, fails.
    /// </summary>
    public static async Task<ProcessRunner.Result> RunTestScriptAsync(string script, IDictionary<string, string> environment, ITestOutputHelper? output = null, IReadOnlyCollection<string>? declaredSkips = null)
    {
        await EnsureInstalledAsync();
        var tap = Path.Combine(Path.GetTempPath(), $"tracevault-node-{Guid.NewGuid():N}.tap");
        try
        {
            var result = await ProcessRunner.RunAsync(
                "node",
                ["--test", "--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=tap", $"--test-reporter-destination={tap}", "--test-concurrency=1", script],
                RepositoryPaths.Clients,
                environment,
                TimeSpan.FromMinutes(5));
            output?.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"{script} failed:\n{result.Output}");
            Assert.True(File.Exists(tap), $"{script}: the runner wrote no TAP report:\n{result.Output}");
            NodeTestReport.Parse(await File.ReadAllTextAsync(tap))
                .AssertEveryTestRan(script, Path.GetFullPath(script, RepositoryPaths.Clients), declaredSkips ?? [], result.Output);
            return result;
        }
        finally
        {
            File.Delete(tap);
        }
    }
}
