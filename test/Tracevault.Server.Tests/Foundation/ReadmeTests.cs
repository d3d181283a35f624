using System.Diagnostics;
using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>The README's first steps as a newcomer takes them: its run command from the repository root, then its export lines.</summary>
public sealed partial class ReadmeTests(ITestOutputHelper output) : IDisposable
{
    // A stand-in for a fresh clone: the repository's files linked into a folder of its own (so the data the first start
    // makes lands there, not in the developer's clone), with its own git repository to ask what `git status` shows.
    private readonly string _clone = Path.Combine(Path.GetTempPath(), "tracevault-readme-" + Path.GetRandomFileName());

    public void Dispose()
    {
        try
        {
            Directory.Delete(_clone, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task RunCommandThenExportLines_FromRepositoryRoot_GiveWorkingCliAndNoDataFilesInGitStatus()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var blocks = ShellBlock().Matches(readme).Select(m => m.Groups[1].Value).ToArray();
        var run = blocks[0].Trim();
        Assert.StartsWith("dotnet run --project src/Tracevault.Server -- serve", run);
        var exports = blocks.First(b => b.Contains("export AWS_SHARED_CREDENTIALS_FILE", StringComparison.Ordinal));

        Directory.CreateDirectory(_clone);
        foreach (var entry in Directory.EnumerateFileSystemEntries(RepositoryPaths.Root))
        {
            var name = Path.GetFileName(entry);
            if (name == ".gitignore")
            {
                // Git reads no .gitignore that is a symbolic link.
                File.Copy(entry, Path.Combine(_clone, name));
            }
            else if (name is not (".git" or "tracevault-data" or "test-output"))
            {
                File.CreateSymbolicLink(Path.Combine(_clone, name), entry);
            }
        }

        await Git("init", "-q");
        var before = (await Git("status", "--porcelain", "--untracked-files=all")).StandardOutput;

        // The README's command as written, on a free port (other tests and servers may hold 2000), without building again
        // (the test run built it) and without OTLP's fixed ports.
        var port = ServerProcess.FreePort();
        var command = run.Replace("dotnet run ", "dotnet run --no-build " + BuildConfiguration, StringComparison.Ordinal)
            + $" --listen 127.0.0.1:{port} --otlp-http off --otlp-grpc off";
        var start = new ProcessStartInfo("/bin/bash") { WorkingDirectory = _clone };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec " + command);
        await using var server = await ServerProcess.StartAsync(start, port);
        await Eventually.WaitAsync("the start-up output ends with how to sign in", () => server.Output.Contains("tracevault users create", StringComparison.Ordinal));
        output.WriteLine(server.Output);

        var credentials = Path.Combine(_clone, "tracevault-data", "credentials");
        Assert.True(File.Exists(credentials), "the data directory is not where the README says:\n" + server.Output);
        var lines = server.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Contains($"export AWS_SHARED_CREDENTIALS_FILE={credentials}", lines);
        // The printed lines end with the console and how to sign in (a log line written on the logger's own thread may still follow).
        var console = Array.IndexOf(lines, $"Console: http://127.0.0.1:{port}/console");
        Assert.True(console > Array.FindIndex(lines, l => l.StartsWith("e.g. aws", StringComparison.Ordinal)), server.Output);
        Assert.StartsWith("Sign in with", lines[console + 1], StringComparison.Ordinal);
        Assert.Contains(credentials, lines[console + 1], StringComparison.Ordinal);

        var pasted = exports.Replace("127.0.0.1:2000", $"127.0.0.1:{port}", StringComparison.Ordinal);
        var cli = await ProcessRunner.RunAsync("/bin/bash", ["-e", "-c", pasted], _clone, timeout: TimeSpan.FromMinutes(2));
        output.WriteLine(cli.Output);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains("\"EncryptionConfig\"", cli.StandardOutput, StringComparison.Ordinal);

        var after = (await Git("status", "--porcelain", "--untracked-files=all")).StandardOutput;
        Assert.Equal(before, after);
        var ignored = await ProcessRunner.RunAsync("git", ["check-ignore", "tracevault-data/root.key", "src/Tracevault.Server/tracevault-data/credentials"], RepositoryPaths.Root);
        Assert.True(ignored.ExitCode == 0 && ignored.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, ignored.Output);

        using var http = new HttpClient();
        var signIn = await http.GetStringAsync($"{server.Endpoint}/console/signin");
        Assert.Contains("tracevault users create", signIn, StringComparison.Ordinal);
        Assert.Contains("<code>credentials</code>", signIn, StringComparison.Ordinal);
        Assert.DoesNotContain(_clone, signIn, StringComparison.Ordinal);
    }

#if DEBUG
    private const string BuildConfiguration = "";
#else
    private const string BuildConfiguration = "-c Release ";
#endif

    private Task<ProcessRunner.Result> Git(params string[] arguments) => ProcessRunner.RunAsync("git", arguments, _clone);

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
