using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>A data directory opens only with the root key its database was sealed under; no command but init and serve makes one.</summary>
public sealed class RootKeyFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-rootkey-" + Path.GetRandomFileName());
    private readonly string _other = Path.Combine(Path.GetTempPath(), "tracevault-rootkey-other-" + Path.GetRandomFileName());

    public void Dispose()
    {
        foreach (var directory in new[] { _data, _other })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    [Fact]
    public async Task MissingRootKey_ServeUsersCreateAndRotate_RefuseWithOneLineAndWriteNothing()
    {
        await InitAsync(_data);
        var rootKey = Path.Combine(_data, "root.key");
        File.Delete(rootKey);
        var before = Snapshot(_data);

        foreach (var arguments in Commands(_data))
        {
            var result = await ServerProcess.RunCommandAsync(arguments);
            output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
            AssertRefused(result, rootKey);
            Assert.Contains("missing", result.StandardError, StringComparison.Ordinal);
            Assert.False(File.Exists(rootKey), "a new root.key was written");
            Assert.Equal(before, Snapshot(_data));
        }
    }

    [Fact]
    public async Task AnotherRootKey_ServeUsersCreateAndRotate_RefuseWithOneLineAndWriteNothing()
    {
        await InitAsync(_data);
        await InitAsync(_other);
        var rootKey = Path.Combine(_data, "root.key");
        File.Copy(Path.Combine(_other, "root.key"), rootKey, overwrite: true);
        var before = Snapshot(_data);

        foreach (var arguments in Commands(_data))
        {
            var result = await ServerProcess.RunCommandAsync(arguments);
            output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
            AssertRefused(result, rootKey);
            Assert.Equal(before, Snapshot(_data));
        }
    }

    [Fact]
    public async Task OldDatabase_WithoutRecordedRootKey_RecordsItWhenItsKeyOpens_RefusesAnotherKey()
    {
        await InitAsync(_data);
        await InitAsync(_other);
        ForgetRecordedRootKeys(_data);
        ForgetRecordedRootKeys(_other);

        // Another directory's key opens none of this database's sealed material: refused, nothing recorded.
        var ownKey = File.ReadAllBytes(Path.Combine(_data, "root.key"));
        File.Copy(Path.Combine(_other, "root.key"), Path.Combine(_data, "root.key"), overwrite: true);
        var before = Snapshot(_data);
        var refused = await ServerProcess.RunCommandAsync("users", "list", "--data", _data);
        output.WriteLine(refused.Output);
        AssertRefused(refused, Path.Combine(_data, "root.key"));
        Assert.Equal(before, Snapshot(_data));

        // Its own key opens it: the key is recorded and the directory works.
        File.WriteAllBytes(Path.Combine(_data, "root.key"), ownKey);
        var list = await ServerProcess.RunCommandAsync("users", "list", "--data", _data);
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains("\tadmin\t", list.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, RecordedRootKeys(_data));
    }

    [Fact]
    public async Task AdminCommands_OnMissingDirectory_SayItDoesNotExistAndCreateNothing()
    {
        var missing = Path.Combine(_data, "no", "such", "dir");
        foreach (var arguments in new[]
                 {
                     new[] { "users", "list", "--data", missing },
                     ["users", "create", "bob", "--data", missing],
                     ["accounts", "create", "--data", missing],
                     ["root-key", "rotate", "--data", missing],
                     ["audit", "verify", "--data", missing],
                 })
        {
            var result = await ServerProcess.RunCommandAsync(arguments);
            output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("does not exist", result.StandardError, StringComparison.Ordinal);
            Assert.Contains(missing, result.StandardError, StringComparison.Ordinal);
            Assert.False(Directory.Exists(_data), "a data directory was created");
        }
    }

    private static IEnumerable<string[]> Commands(string data) =>
    [
        ["serve", "--data", data, "--listen", "127.0.0.1:0"],
        ["users", "create", "bob", "--data", data],
        ["users", "list", "--data", data],
        ["root-key", "rotate", "--data", data],
    ];

    private static void AssertRefused(ProcessRunner.Result result, string rootKey)
    {
        Assert.True(result.ExitCode != 0, "exit code 0:\n" + result.Output);
        var line = result.StandardError.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', line);
        Assert.Contains(rootKey, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    private static async Task InitAsync(string data)
    {
        var init = await ServerProcess.RunCommandAsync("init", "--data", data);
        Assert.True(init.ExitCode == 0, init.Output);
    }

    /// <summary>Every file in the directory with a hash of its content; the shared-memory index is a cache SQLite may rebuild, so only its presence counts.</summary>
    private static SortedDictionary<string, string> Snapshot(string data) => new(
        Directory.EnumerateFiles(data).ToDictionary(
            path => Path.GetFileName(path),
            path => path.EndsWith("-shm", StringComparison.Ordinal) ? "" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))!),
        StringComparer.Ordinal);

    /// <summary>Makes the database look like one written before root keys were recorded in it.</summary>
    private static void ForgetRecordedRootKeys(string data)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "tracevault.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE IF EXISTS root_keys; DELETE FROM schema_versions WHERE part = 'rootkeys';";
        command.ExecuteNonQuery();
    }

    private static long RecordedRootKeys(string data)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "tracevault.db")};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM root_keys";
        return (long)command.ExecuteScalar()!;
    }
}
