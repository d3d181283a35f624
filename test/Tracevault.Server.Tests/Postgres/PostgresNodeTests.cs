using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Postgres;

/// <summary><c>tracevault serve --postgres</c> as an operator runs it: the AWS CLI's round trip, a second node with a copy of the root key, and a node with another key.</summary>
public sealed class PostgresNodeTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "pg-canary-password-51";

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgnode-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_AWS_CLI_stores_and_reads_a_trace_through_a_node_on_PostgreSQL_and_a_second_node_with_a_copy_of_root_key_reads_it()
    {
        // The test cluster trusts loopback and never asks for this password; no line either node prints may show it.
        var database = new NpgsqlConnectionStringBuilder(PostgresCluster.Shared.CreateDatabase().ConnectionString) { Password = Password }.ConnectionString;
        var first = Path.Combine(_root, "first");
        var traceId = TraceId(Now(), "0b5e55ed0000000000000001");
        var now = Now();
        var document = Segment(traceId, "0b5e55ed00000001", "on-postgres", now - 1, now, s => s["annotations"] = new JsonObject { ["check"] = "round-trip" }).ToJsonString();
        await using (var node = await StartAsync(first, database))
        {
            output.WriteLine(node.Output);
            Assert.Contains("with the PostgreSQL database 127.0.0.1:", node.Output, StringComparison.Ordinal);
            var put = await AwsCli.RunAsync(node.Endpoint, Cli(first), "xray", "put-trace-segments", "--trace-segment-documents", document);
            Assert.True(put.ExitCode == 0, put.Output + "\n--- server ---\n" + node.Output);
            Assert.Empty(JsonNode.Parse(put.StandardOutput)!["UnprocessedTraceSegments"]!.AsArray());
            AssertReadsBack(await AwsCli.RunAsync(node.Endpoint, Cli(first), "xray", "batch-get-traces", "--trace-ids", traceId), traceId);

            // A second node: a directory of its own with a copy of root.key, the admin's credentials from the first.
            var second = Directory.CreateDirectory(Path.Combine(_root, "second")).FullName;
            File.Copy(Path.Combine(first, "root.key"), Path.Combine(second, "root.key"));
            await using var other = await StartAsync(second, database);
            output.WriteLine(other.Output);
            Assert.DoesNotContain("Initialized", other.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(second, "credentials")), "a node joining an initialized database makes no admin");
            Assert.DoesNotContain(Path.Combine(second, "credentials"), other.Output, StringComparison.Ordinal);
            Assert.Contains("holds no credentials file", other.Output, StringComparison.Ordinal);
            AssertReadsBack(await AwsCli.RunAsync(other.Endpoint, Cli(first), "xray", "batch-get-traces", "--trace-ids", traceId), traceId);

            // And what the second stores, the first reads.
            var later = TraceId(Now(), "0b5e55ed0000000000000002");
            var put2 = await AwsCli.RunAsync(other.Endpoint, Cli(first), "xray", "put-trace-segments", "--trace-segment-documents",
                Segment(later, "0b5e55ed00000002", "on-postgres", now - 1, now, s => s["annotations"] = new JsonObject { ["check"] = "round-trip" }).ToJsonString());
            Assert.True(put2.ExitCode == 0, put2.Output);
            AssertReadsBack(await AwsCli.RunAsync(node.Endpoint, Cli(first), "xray", "batch-get-traces", "--trace-ids", later), later);
            Assert.DoesNotContain(Password, node.Output + other.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_node_with_another_root_key_or_none_refuses_to_start_in_one_line_and_writes_nothing()
    {
        var connection = PostgresCluster.Shared.CreateDatabase();
        var first = Path.Combine(_root, "first");
        var init = await ServerProcess.RunCommandAsync("init", "--data", first, "--postgres", connection.ConnectionString);
        Assert.True(init.ExitCode == 0, init.Output);
        var before = Snapshot(connection);

        var other = Directory.CreateDirectory(Path.Combine(_root, "other")).FullName;
        var otherKey = Path.Combine(other, "root.key");
        RootKeyRing.CreateNew().Save(otherKey);
        var keyBefore = await File.ReadAllBytesAsync(otherKey);
        var refused = await ServeToEndAsync(other, connection.ConnectionString);
        output.WriteLine(refused.Output);
        Assert.NotEqual(0, refused.ExitCode);
        var line = Assert.Single(refused.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"The root key file {otherKey} does not belong to the PostgreSQL database", line, StringComparison.Ordinal);
        Assert.Equal([otherKey], Directory.GetFileSystemEntries(other));
        Assert.Equal(keyBefore, await File.ReadAllBytesAsync(otherKey));

        var bare = Path.Combine(_root, "bare");
        var none = await ServeToEndAsync(bare, connection.ConnectionString);
        output.WriteLine(none.Output);
        Assert.NotEqual(0, none.ExitCode);
        line = Assert.Single(none.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("this node has no root key file", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(bare), "a node without the database's root key makes neither a directory nor a key");

        Assert.Equal(before, Snapshot(connection));
    }

    private static Task<ServerProcess> StartAsync(string data, string database)
    {
        var port = ServerProcess.FreePort();
        return ServerProcess.StartAsync(Serve(data, database, port), port);
    }

    private static ProcessStartInfo Serve(string data, string database, int port)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", data, "--postgres", database, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off" })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static Task<ProcessRunner.Result> ServeToEndAsync(string data, string database) =>
        ServerProcess.RunCommandAsync("serve", "--data", data, "--postgres", database, "--listen", $"127.0.0.1:{ServerProcess.FreePort()}", "--otlp-http", "off", "--otlp-grpc", "off");

    private static Dictionary<string, string> Cli(string data) => new()
    {
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(data, "credentials"),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };

    private static void AssertReadsBack(ProcessRunner.Result get, string traceId)
    {
        Assert.True(get.ExitCode == 0, get.Output);
        var trace = Assert.Single(JsonNode.Parse(get.StandardOutput)!["Traces"]!.AsArray())!;
        Assert.Equal(traceId, XRayApiClient.Text(trace, "Id"));
        var stored = JsonNode.Parse(Assert.Single(trace["Segments"]!.AsArray())!["Document"]!.GetValue<string>())!;
        Assert.Equal("round-trip", stored["annotations"]!["check"]!.GetValue<string>());
    }

    /// <summary>Every table's row count and the database's schema versions: what a refusing node must leave as it was.</summary>
    private static string Snapshot(NpgsqlConnectionStringBuilder database)
    {
        using var connection = new NpgsqlConnection(database.ConnectionString);
        connection.Open();
        var tables = new List<string>();
        using (var list = new NpgsqlCommand("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = tables.Select(table =>
        {
            using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            return string.Create(CultureInfo.InvariantCulture, $"{table}={(long)count.ExecuteScalar()!}");
        });
        return string.Join(", ", counts);
    }
}
