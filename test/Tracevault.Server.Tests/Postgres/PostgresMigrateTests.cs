using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Tracevault.Server.Tests.Encryption;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Postgres;

/// <summary><c>tracevault migrate</c>: an embedded store copied into PostgreSQL as it is, read back whole through a node there; all or nothing; never into a database that holds data.</summary>
public sealed partial class PostgresMigrateTests(ITestOutputHelper output) : IDisposable
{
    private const string Grantee = "arn:aws:iam::111122223333:user/grantee";

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgmigrate-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_SQLite_store_moves_to_PostgreSQL_whole_its_traces_keys_users_and_audit_chain_work_there_and_a_failed_copy_leaves_nothing()
    {
        var source = Path.Combine(_root, "embedded");
        var init = await ServerProcess.RunCommandAsync("init", "--data", source);
        Assert.True(init.ExitCode == 0, init.Output);
        var credentials = await File.ReadAllTextAsync(Path.Combine(source, "credentials"));
        var (adminId, adminSecret) = (AccessKeyId().Match(credentials).Groups[1].Value, SecretKey().Match(credentials).Groups[1].Value);
        var policy = Path.Combine(_root, "policy.json");
        await File.WriteAllTextAsync(policy, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","xray:*"],"Resource":"*"}]}""");
        var created = await ServerProcess.RunCommandAsync("users", "create", "operator", "--data", source, "--policy", policy);
        Assert.True(created.ExitCode == 0, created.Output);
        var (userId, userSecret) = (AccessKeyId().Match(created.StandardOutput).Groups[1].Value, SecretKey().Match(created.StandardOutput).Groups[1].Value);

        var traceIds = new List<string>();
        var documents = new Dictionary<string, List<string>>();
        string keyArn;
        string ciphertext;
        await using (var embedded = await ServerProcess.StartAsync(source))
        {
            using var admin = new SignedHttpClient(embedded.Endpoint, adminId, adminSecret);
            await PutTracesAsync(admin, traceIds, "default");

            await EncryptionSettingsTests.PutKmsSettingAsync(admin, "alias/aws/xray");
            await EncryptionSettingsTests.WaitForActiveAsync(admin);
            await PutTracesAsync(admin, traceIds, "aws-xray");

            keyArn = await EncryptionSettingsTests.CreateKeyAsync(admin);
            await KmsAsync(admin, "CreateAlias", $$"""{"AliasName":"alias/moved","TargetKeyId":"{{keyArn}}"}""");
            await KmsAsync(admin, "CreateGrant", $$"""{"KeyId":"{{keyArn}}","GranteePrincipal":"{{Grantee}}","Operations":["Decrypt"]}""");
            await EncryptionSettingsTests.PutKmsSettingAsync(admin, keyArn);
            await EncryptionSettingsTests.WaitForActiveAsync(admin);
            await PutTracesAsync(admin, traceIds, "customer");

            using var user = new SignedHttpClient(embedded.Endpoint, userId, userSecret);
            ciphertext = (await KmsAsync(user, "Encrypt", """{"KeyId":"alias/moved","Plaintext":"bW92ZWQgYWxvbmc="}""")).GetProperty("CiphertextBlob").GetString()!;
            foreach (var trace in await BatchGetAsync(admin, traceIds))
            {
                documents[trace.Key] = trace.Value;
            }

            await embedded.StopAsync();
        }

        Assert.Equal(9, documents.Values.Sum(d => d.Count));

        // A value that names no database: one line, exit 2.
        var nowhere = await ServerProcess.RunCommandAsync("migrate", "--data", source, "--to-postgres", "postgresql://");
        Assert.Equal(2, nowhere.ExitCode);
        Assert.StartsWith("--to-postgres: ", Assert.Single(nowhere.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        // The real move, into an empty database; the password in the connection never shows.
        var database = PostgresCluster.Shared.CreateDatabase();
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = "never-shown-7c1e" }.ConnectionString;
        var migrated = await ServerProcess.RunCommandAsync("migrate", "--data", source, "--to-postgres", connection);
        output.WriteLine(migrated.Output);
        Assert.True(migrated.ExitCode == 0, migrated.Output);
        Assert.DoesNotContain("never-shown-7c1e", migrated.Output, StringComparison.Ordinal);
        Assert.Contains("chunks: ", migrated.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("DIFFERENT", migrated.StandardOutput, StringComparison.Ordinal);
        Assert.Matches("audit trail verified in PostgreSQL: [1-9][0-9]* records", migrated.StandardOutput);
        Assert.Contains("Every node needs a copy of the root key file " + Path.Combine(source, "root.key"), migrated.StandardOutput, StringComparison.Ordinal);

        // Ids the database makes from now on come after the copied ones: chunks name their data key as kms/ID, and a node that
        // retries a failed insert would only hide a clash.
        Assert.True(await ScalarAsync<bool>(database, "SELECT nextval(pg_get_serial_sequence('kms_data_keys', 'id')) > (SELECT max(id) FROM kms_data_keys)"), "the data key ids' sequence is not past the copied ids");
        Assert.True(await ScalarAsync<bool>(database, "SELECT nextval('chunk_id_blocks') * 1024 > (SELECT max(id) FROM chunks)"), "the chunk ids' sequence is not past the copied ids");

        // Into a database that now holds data: refused, and nothing changes there.
        var auditRows = await CountAsync(database, "audit_events");
        var again = await ServerProcess.RunCommandAsync("migrate", "--data", source, "--to-postgres", connection);
        output.WriteLine(again.Output);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("is not empty", again.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-7c1e", again.Output, StringComparison.Ordinal);
        Assert.Equal(auditRows, await CountAsync(database, "audit_events"));

        // A node on PostgreSQL, a directory of its own holding a copy of the root key.
        var node = Directory.CreateDirectory(Path.Combine(_root, "node")).FullName;
        File.Copy(Path.Combine(source, "root.key"), Path.Combine(node, "root.key"));
        var port = ServerProcess.FreePort();
        await using (var server = await ServerProcess.StartAsync(Serve(node, database.ConnectionString, port), port))
        {
            output.WriteLine(server.Output);
            Assert.DoesNotContain("Initialized", server.Output, StringComparison.Ordinal);
            using var admin = new SignedHttpClient(server.Endpoint, adminId, adminSecret);
            var read = await BatchGetAsync(admin, traceIds);
            foreach (var traceId in traceIds)
            {
                Assert.True(read.TryGetValue(traceId, out var found), $"trace {traceId} is not found on PostgreSQL");
                Assert.Equal(documents[traceId], found);
            }

            // The customer key and its alias and grant came along; the second user signs in and uses it.
            using var user = new SignedHttpClient(server.Endpoint, userId, userSecret);
            var decrypted = await KmsAsync(user, "Decrypt", $$"""{"CiphertextBlob":"{{ciphertext}}"}""");
            Assert.Equal("bW92ZWQgYWxvbmc=", decrypted.GetProperty("Plaintext").GetString());
            var fresh = (await KmsAsync(user, "Encrypt", """{"KeyId":"alias/moved","Plaintext":"YWdhaW4="}""")).GetProperty("CiphertextBlob").GetString()!;
            Assert.Equal("YWdhaW4=", (await KmsAsync(user, "Decrypt", $$"""{"CiphertextBlob":"{{fresh}}"}""")).GetProperty("Plaintext").GetString());
            var grants = await KmsAsync(admin, "ListGrants", $$"""{"KeyId":"{{keyArn}}"}""");
            Assert.Contains(grants.GetProperty("Grants").EnumerateArray(), grant => grant.GetProperty("GranteePrincipal").GetString() == Grantee);

            // New traces after the move are stored under the customer key (a new data key, a new chunk) and read back with the old.
            var later = new List<string>();
            await PutTracesAsync(admin, later, "after");
            var all = await BatchGetAsync(admin, [.. traceIds, .. later]);
            Assert.Equal(traceIds.Count + later.Count, all.Count);

            await server.StopAsync();
        }

        var verify = await ServerProcess.RunCommandAsync("audit", "verify", "--data", node, "--postgres", database.ConnectionString);
        output.WriteLine(verify.Output);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.StartsWith("verified ", verify.StandardOutput, StringComparison.Ordinal);

        // A failure part-way (the last table refuses its rows) leaves the target without a row of the store.
        var broken = PostgresCluster.Shared.CreateDatabase();
        using (new PostgresDatabase(broken))
        {
            // Applies the schema, so that a table can be made to refuse.
        }

        await ExecuteAsync(broken, """
            CREATE FUNCTION refuse_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
            CREATE TRIGGER refuse_copy BEFORE INSERT ON audit_head FOR EACH ROW EXECUTE FUNCTION refuse_copy();
            """);
        var failed = await ServerProcess.RunCommandAsync("migrate", "--data", source, "--to-postgres", broken.ConnectionString);
        output.WriteLine(failed.Output);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("failed; nothing of the store was committed there", failed.StandardError, StringComparison.Ordinal);
        foreach (var table in SqliteToPostgresCopy.Tables)
        {
            Assert.True(await CountAsync(broken, table) == 0, $"{table} holds rows after a failed copy");
        }
    }

    private static async Task PutTracesAsync(SignedHttpClient client, List<string> traceIds, string name)
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 3).Select(_ => TraceDocuments.NewTraceId(now)).ToList();
        using var response = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(ids.Select(id => TraceDocuments.Segment(id, now, name, canary: name + "-canary"))));
        var answer = await TraceDocuments.ReadJsonAsync(response);
        Assert.Empty(answer.GetProperty("UnprocessedTraceSegments").EnumerateArray());
        traceIds.AddRange(ids);
    }

    private static async Task<Dictionary<string, List<string>>> BatchGetAsync(SignedHttpClient client, IReadOnlyList<string> traceIds)
    {
        var found = new Dictionary<string, List<string>>();
        foreach (var batch in traceIds.Chunk(5))
        {
            using var response = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody(batch));
            var answer = await TraceDocuments.ReadJsonAsync(response);
            foreach (var trace in answer.GetProperty("Traces").EnumerateArray())
            {
                found[trace.GetProperty("Id").GetString()!] = [.. trace.GetProperty("Segments").EnumerateArray().Select(s => s.GetProperty("Document").GetString()!).Order(StringComparer.Ordinal)];
            }
        }

        return found;
    }

    private static async Task<JsonElement> KmsAsync(SignedHttpClient client, string operation, string json)
    {
        using var response = await client.KmsAsync(operation, SignedHttpClient.Json(json));
        return await TraceDocuments.ReadJsonAsync(response);
    }

    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnectionStringBuilder database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountAsync(NpgsqlConnectionStringBuilder database, string table)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
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

    [GeneratedRegex("aws_access_key_id = (\\S+)")]
    private static partial Regex AccessKeyId();

    [GeneratedRegex("aws_secret_access_key = (\\S+)")]
    private static partial Regex SecretKey();
}
