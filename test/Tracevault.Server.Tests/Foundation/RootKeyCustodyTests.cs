using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>The root key kept outside the data directory and wrapped under a passphrase: every command that opens a directory honours both.</summary>
public sealed class RootKeyCustodyTests(ITestOutputHelper output) : IDisposable
{
    private const string Passphrase = "a passphrase kept apart from the data";

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-custody-").FullName;

    private string Data => Path.Combine(_root, "data");

    private string Secrets => Directory.CreateDirectory(Path.Combine(_root, "secrets")).FullName;

    private string KeyFile => Path.Combine(Secrets, "tracevault-root.key");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RootKeyElsewhere_EveryCommandUsesIt_ACopyOfTheDirectoryOpensNothing()
    {
        await SucceedsAsync(null, "init", "--data", Data, "--root-key", KeyFile);
        Assert.True(File.Exists(KeyFile), "init did not make the root key where it was told");
        Assert.False(File.Exists(Path.Combine(Data, "root.key")), "a root key was made in the data directory");
        await SucceedsAsync(null, "users", "create", "bob", "--data", Data, "--root-key-file", KeyFile);

        var fromVariable = new Dictionary<string, string> { ["TRACEVAULT_ROOT_KEY_FILE"] = KeyFile };
        var list = await SucceedsAsync(fromVariable, "users", "list", "--data", Data);
        Assert.Contains("\tbob\t", list.StandardOutput, StringComparison.Ordinal);
        await SucceedsAsync(fromVariable, "accounts", "create", "--data", Data);
        await SucceedsAsync(fromVariable, "root-key", "rotate", "--data", Data);
        await SucceedsAsync(fromVariable, "audit", "verify", "--data", Data);
        await SucceedsAsync(fromVariable, "check", "--data", Data);

        // An existing root key file is used, never replaced.
        var key = File.ReadAllBytes(KeyFile);
        var again = await SucceedsAsync(fromVariable, "init", "--data", Data);
        Assert.Contains("already initialized", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllBytes(KeyFile));

        // serve finds it through the variable too, and has nothing to warn about.
        var start = ServeStart(Data, fromVariable, out var port);
        await using (var server = await ServerProcess.StartAsync(start, port))
        {
            Assert.DoesNotContain("lies inside the data directory", server.Output, StringComparison.Ordinal);
        }

        // A copy of the directory without the root key opens nothing and is left as it was; no command makes a new key for it.
        var copy = Directory.CreateDirectory(Path.Combine(_root, "copy")).FullName;
        foreach (var file in Directory.EnumerateFiles(Data))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var before = Snapshot(copy);
        foreach (var arguments in new[]
                 {
                     new[] { "users", "list", "--data", copy },
                     ["init", "--data", copy],
                     ["serve", "--data", copy, "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off"],
                     ["audit", "verify", "--data", copy],
                 })
        {
            var refused = await RunAsync(null, arguments);
            AssertRefused(refused, Path.Combine(copy, "root.key"), "missing");
            Assert.Equal(before, Snapshot(copy));
        }

        // The directory a root key file is to be made in must exist: nothing is created when it does not.
        var nowhere = Path.Combine(_root, "no-such-dir", "root.key");
        var other = Path.Combine(_root, "other-data");
        var missingDirectory = await RunAsync(null, "init", "--data", other, "--root-key", nowhere);
        AssertRefused(missingDirectory, nowhere, "does not exist");
        Assert.False(Directory.Exists(other), "the data directory was created");
    }

    [Fact]
    public async Task Serve_WarnsInOneLine_OnlyWhenTheRootKeyLiesInsideTheDataDirectory()
    {
        // Disposing a TestServer removes its data directory, which lies in this test's own folder.
        await using (var inside = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "inside")))
        {
            var warning = Assert.Single(inside.Logs.Lines, l => l.Contains("lies inside the data directory", StringComparison.Ordinal));
            Assert.StartsWith("Warning", warning, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(_root, "inside", "root.key"), warning, StringComparison.Ordinal);
        }

        await using (var elsewhere = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "elsewhere"), configure: o => o.RootKey.Path = KeyFile))
        {
            Assert.DoesNotContain(elsewhere.Logs.Lines, l => l.Contains("lies inside the data directory", StringComparison.Ordinal));
            Assert.True(File.Exists(KeyFile));
        }

        // A link in the data directory to a key kept elsewhere is not a key inside it.
        var linked = Directory.CreateDirectory(Path.Combine(_root, "linked")).FullName;
        File.CreateSymbolicLink(Path.Combine(linked, "root.key"), KeyFile);
        await using (var link = await TestServer.StartAsync(dataDirectory: linked))
        {
            Assert.DoesNotContain(link.Logs.Lines, l => l.Contains("lies inside the data directory", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task WrappedRootKey_WrongOrMissingPassphrase_RefusedClearly_AndNothingWritten()
    {
        var right = new Dictionary<string, string> { ["TRACEVAULT_ROOT_KEY_FILE"] = KeyFile, ["TRACEVAULT_ROOT_KEY_PASSPHRASE"] = Passphrase };
        await SucceedsAsync(right, "init", "--data", Data);
        var json = JsonNode.Parse(File.ReadAllText(KeyFile))!.AsObject();
        Assert.Equal(2, json["formatVersion"]!.GetValue<int>());
        Assert.False(json.ContainsKey("keys"), "the root keys are in the clear");
        await SucceedsAsync(right, "users", "create", "bob", "--data", Data);

        var before = Snapshot(Data);
        var keyBefore = File.ReadAllBytes(KeyFile);
        var wrong = new Dictionary<string, string>(right) { ["TRACEVAULT_ROOT_KEY_PASSPHRASE"] = "not the passphrase" };
        var none = new Dictionary<string, string> { ["TRACEVAULT_ROOT_KEY_FILE"] = KeyFile };
        foreach (var (environment, reason) in new[] { (wrong, "the passphrase given does not open it"), (none, "wrapped under a passphrase, and none was given") })
        {
            foreach (var arguments in new[]
                     {
                         new[] { "serve", "--data", Data, "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off" },
                         ["init", "--data", Data],
                         ["users", "create", "carol", "--data", Data],
                         ["root-key", "rotate", "--data", Data],
                         ["audit", "verify", "--data", Data],
                     })
            {
                var refused = await RunAsync(environment, arguments);
                AssertRefused(refused, KeyFile, reason);
                Assert.Contains("TRACEVAULT_ROOT_KEY_PASSPHRASE", refused.StandardError, StringComparison.Ordinal);
                Assert.Equal(before, Snapshot(Data));
                Assert.Equal(keyBefore, File.ReadAllBytes(KeyFile));
            }
        }

        // From a file (a mounted secret) as well, its line ending dropped; never from both at once.
        var passphraseFile = Path.Combine(Secrets, "passphrase");
        await File.WriteAllTextAsync(passphraseFile, Passphrase + "\n");
        var list = await SucceedsAsync(none, "users", "list", "--data", Data, "--root-key-passphrase-file", passphraseFile);
        Assert.Contains("\tbob\t", list.StandardOutput, StringComparison.Ordinal);
        var twice = await RunAsync(right, "users", "list", "--data", Data, "--root-key-passphrase-file", passphraseFile);
        AssertRefused(twice, "--root-key-passphrase-file", "given twice");

        // Rotation and retirement rewrite the file where it is, wrapped under the same passphrase.
        await SucceedsAsync(right, "root-key", "rotate", "--data", Data);
        Assert.True(new RootKeyFile(KeyFile, null).IsWrappedOnDisk());
        Assert.Equal([1, 2], new RootKeyFile(KeyFile, Passphrase).Load().KeyIds.Order());
        await SucceedsAsync(right, "root-key", "retire", "1", "--data", Data);
        Assert.True(new RootKeyFile(KeyFile, null).IsWrappedOnDisk());
        Assert.Equal([2], new RootKeyFile(KeyFile, Passphrase).Load().KeyIds);
        await SucceedsAsync(right, "audit", "verify", "--data", Data);
        Assert.False(File.Exists(Path.Combine(Data, "root.key")));
    }

    [Fact]
    public async Task Protect_WrapsAnExistingKey_UnderAPassphraseFromStandardInput_AndChangesIt()
    {
        await SucceedsAsync(null, "init", "--data", Data);
        var rootKey = Path.Combine(Data, "root.key");
        var plain = File.ReadAllBytes(rootKey);

        var tooShort = await RunWithInputAsync("short", null, "root-key", "protect", "--data", Data);
        Assert.Equal(2, tooShort.ExitCode);
        Assert.Contains("at least 12 characters", tooShort.StandardError, StringComparison.Ordinal);
        Assert.Equal(plain, File.ReadAllBytes(rootKey));

        // The variable may already be set for the file to come: a file not wrapped yet opens without it.
        var first = new Dictionary<string, string> { ["TRACEVAULT_ROOT_KEY_PASSPHRASE"] = Passphrase };
        var protect = await RunWithInputAsync(Passphrase, first, "root-key", "protect", "--data", Data);
        Assert.True(protect.ExitCode == 0, protect.Output);
        Assert.True(new RootKeyFile(rootKey, null).IsWrappedOnDisk());
        AssertRefused(await RunAsync(null, "users", "list", "--data", Data), rootKey, "none was given");
        await SucceedsAsync(first, "users", "list", "--data", Data);

        const string second = "another passphrase, changed";
        var change = await RunWithInputAsync(second, first, "root-key", "protect", "--data", Data);
        Assert.True(change.ExitCode == 0, change.Output);
        AssertRefused(await RunAsync(first, "users", "list", "--data", Data), rootKey, "does not open it");
        await SucceedsAsync(new Dictionary<string, string> { ["TRACEVAULT_ROOT_KEY_PASSPHRASE"] = second }, "users", "list", "--data", Data);
    }

    private async Task<ProcessRunner.Result> SucceedsAsync(Dictionary<string, string>? environment, params string[] arguments)
    {
        var result = await RunAsync(environment, arguments);
        Assert.True(result.ExitCode == 0, string.Join(' ', arguments) + " failed:\n" + result.Output);
        return result;
    }

    private async Task<ProcessRunner.Result> RunAsync(Dictionary<string, string>? environment, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [ServerProcess.TracevaultDll, .. arguments], RepositoryPaths.Root, environment);
        output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
        return result;
    }

    /// <summary>Runs the command with <paramref name="input"/> and a line ending on its standard input.</summary>
    private async Task<ProcessRunner.Result> RunWithInputAsync(string input, Dictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>(environment ?? []) { ["TEST_STDIN"] = input };
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", "printf '%s\\n' \"$TEST_STDIN\" | dotnet \"$@\"", "sh", ServerProcess.TracevaultDll, .. arguments], RepositoryPaths.Root, variables);
        output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
        return result;
    }

    private static ProcessStartInfo ServeStart(string data, Dictionary<string, string> environment, out int port)
    {
        port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static void AssertRefused(ProcessRunner.Result result, string named, string reason)
    {
        Assert.True(result.ExitCode != 0, "exit code 0:\n" + result.Output);
        var line = result.StandardError.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', line);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    /// <summary>Every file in the directory with a hash of its content; the shared-memory index is a cache SQLite may rebuild, so only its presence counts.</summary>
    private static SortedDictionary<string, string> Snapshot(string data) => new(
        Directory.EnumerateFiles(data).ToDictionary(
            path => Path.GetFileName(path),
            path => path.EndsWith("-shm", StringComparison.Ordinal) ? "" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))!),
        StringComparer.Ordinal);
}
