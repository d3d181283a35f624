using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary><c>--postgres</c> on every command that opens a data directory: a value that names no database, or one that cannot be reached, ends in one line that never shows the password, and nothing is written.</summary>
public sealed class PostgresOptionTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "hunter2-canary-pw";

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgopt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string[]> Commands() => new()
    {
        new[] { "serve", "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off", "--metrics", "off" },
        new[] { "init" },
        new[] { "check" },
        new[] { "users", "list" },
        new[] { "audit", "verify" },
        new[] { "service-key", "rotate" },
        new[] { "root-key", "rotate" },
        new[] { "accounts", "create" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_value_that_names_no_database_ends_in_one_line_with_exit_code_2(string[] command)
    {
        var data = Path.Combine(_root, "data");

        var result = await ServerProcess.RunCommandAsync([.. command, "--data", data, "--postgres", $"postgresql://alice:{Password}@db.example:notaport/traces"]);

        output.WriteLine(result.Output);
        Assert.Equal(2, result.ExitCode);
        AssertOneLineWithoutPassword(result, "--postgres");
        Assert.False(Directory.Exists(data), "nothing may be written for a value the command cannot take");
    }

    [Fact]
    public async Task A_connection_string_with_an_unknown_keyword_is_refused_from_the_environment_too()
    {
        var data = Path.Combine(_root, "data");

        var result = await ProcessRunner.RunAsync("dotnet", [ServerProcess.TracevaultDll, "users", "list", "--data", data], RepositoryPaths.Root,
            new Dictionary<string, string> { ["TRACEVAULT_POSTGRES"] = $"Host=db.example;Password={Password};Colour=blue" });

        output.WriteLine(result.Output);
        Assert.Equal(2, result.ExitCode);
        AssertOneLineWithoutPassword(result, "--postgres");
    }

    [Fact]
    public async Task A_value_in_the_configuration_file_is_read_as_the_option()
    {
        var data = Path.Combine(_root, "data");
        var config = Path.Combine(_root, "tracevault.json");
        await File.WriteAllTextAsync(config, $$"""{"postgres": "postgresql://alice:{{Password}}@db.example:notaport/traces"}""");

        var result = await ServerProcess.RunCommandAsync("serve", "--config", config, "--data", data, "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off", "--metrics", "off");

        output.WriteLine(result.Output);
        Assert.Equal(2, result.ExitCode);
        AssertOneLineWithoutPassword(result, "--postgres");
    }

    [Theory]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--otlp-http", "off", "--otlp-grpc", "off", "--metrics", "off")]
    [InlineData("init")]
    public async Task A_database_that_cannot_be_reached_stops_the_start_in_one_line_and_nothing_is_written(params string[] command)
    {
        var data = Path.Combine(_root, "data");
        var port = ServerProcess.FreePort();

        var result = await ServerProcess.RunCommandAsync([.. command, "--data", data, "--postgres", $"postgresql://alice:{Password}@127.0.0.1:{port}/traces"]);

        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        AssertOneLineWithoutPassword(result, $"127.0.0.1:{port}/traces as alice");
        Assert.False(Directory.Exists(data), "no directory, root key or credentials may be made for a database that was never reached");
    }

    [Fact]
    public async Task An_admin_command_on_a_database_that_cannot_be_reached_says_so_in_one_line()
    {
        var data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        var port = ServerProcess.FreePort();

        var result = await ServerProcess.RunCommandAsync("users", "list", "--data", data, "--postgres", $"Host=127.0.0.1;Port={port};Database=traces;Username=alice;Password={Password}");

        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        AssertOneLineWithoutPassword(result, $"127.0.0.1:{port}/traces as alice");
        Assert.Empty(Directory.GetFileSystemEntries(data));
    }

    private static void AssertOneLineWithoutPassword(ProcessRunner.Result result, string expected)
    {
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);
    }
}
