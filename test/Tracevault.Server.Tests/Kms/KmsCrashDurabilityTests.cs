using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>
/// The real server process killed with SIGKILL while concurrent signed requests change keys, aliases and grants: every
/// change that reached the database has its CloudTrail record, and <c>tracevault audit verify</c> passes and counts them.
/// </summary>
public sealed class KmsCrashDurabilityTests(ITestOutputHelper output)
{
    private const int Runs = 10;
    private const int Workers = 12;

    [Fact]
    public async Task KmsChanges_ServerKilledWithSigkillTenTimes_EveryCommittedChangeHasItsAuditRecord()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        try
        {
            for (var run = 0; run < Runs; run++)
            {
                await using (var server = await ServerProcess.StartAsync(directory))
                {
                    var (accessKeyId, secret) = Credentials(directory);
                    using var kms = new SignedHttpClient(server.Endpoint, accessKeyId, secret);
                    var acknowledged = 0;
                    using var stop = new CancellationTokenSource();
                    var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
                    {
                        for (var i = 0; !stop.IsCancellationRequested; i++)
                        {
                            try
                            {
                                var keyId = await ChangeAsync(kms, "CreateKey", """{"Description":"crash"}""", r => r.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!);
                                Interlocked.Increment(ref acknowledged);
                                await ChangeAsync(kms, "CreateAlias", $$"""{"AliasName":"alias/crash-{{run}}-{{worker}}-{{i}}","TargetKeyId":"{{keyId}}"}""", _ => "");
                                Interlocked.Increment(ref acknowledged);
                                await ChangeAsync(kms, "CreateGrant", $$"""{"KeyId":"{{keyId}}","GranteePrincipal":"arn:aws:iam::111122223333:user/grantee","Operations":["Decrypt"]}""", _ => "");
                                Interlocked.Increment(ref acknowledged);
                                await ChangeAsync(kms, "DisableKey", $$"""{"KeyId":"{{keyId}}"}""", _ => "");
                                Interlocked.Increment(ref acknowledged);
                            }
                            catch (HttpRequestException)
                            {
                                return;
                            }
                            catch (TaskCanceledException)
                            {
                                return;
                            }
                        }
                    })).ToList();

                    // Kill at a different point of the stream of changes each run, but only once changes are flowing.
                    var killAfter = 20 + (run * 7);
                    var deadline = DateTime.UtcNow.AddMinutes(2);
                    while (Volatile.Read(ref acknowledged) < killAfter && workers.All(w => !w.IsCompleted))
                    {
                        Assert.True(DateTime.UtcNow < deadline, "the KMS changes never got going:\n" + server.Output);
                        await Task.Delay(TimeSpan.FromMilliseconds(5));
                    }

                    Assert.True(workers.All(w => !w.IsCompleted), "a worker stopped before the kill:\n" + server.Output);
                    await server.KillAsync();
                    await stop.CancelAsync();
                    await Task.WhenAll(workers);
                    output.WriteLine($"run {run}: killed after {Volatile.Read(ref acknowledged)} acknowledged changes");
                }

                SqliteConnection.ClearAllPools();
                AssertEveryChangeAudited(directory);
            }

            // Restarting recovers the database; the trail still verifies, and counts every record it holds.
            await using (var restarted = await ServerProcess.StartAsync(directory))
            {
                await restarted.KillAsync();
            }

            SqliteConnection.ClearAllPools();
            var records = CountRecords(directory);
            var verified = await ServerProcess.RunCommandAsync("audit", "verify", "--data", directory);
            output.WriteLine(verified.Output);
            Assert.Equal(0, verified.ExitCode);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"verified {records} records"), verified.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> ChangeAsync(SignedHttpClient kms, string operation, string body, Func<JsonElement, string> read)
    {
        using var response = await kms.KmsAsync(operation, SignedHttpClient.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{operation} answered {(int)response.StatusCode}: {text}");
        }

        return read(JsonDocument.Parse(text).RootElement);
    }

    /// <summary>Reads the database file as it is after the kill: every key, alias, grant and key state in it has a successful record of its change.</summary>
    private static void AssertEveryChangeAudited(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "tracevault.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var records = new List<JsonElement>();
        foreach (var json in Strings(connection, "SELECT record FROM audit_events WHERE event_name IN ('CreateKey', 'CreateAlias', 'CreateGrant', 'DisableKey')"))
        {
            var record = JsonDocument.Parse(json).RootElement;
            if (!record.TryGetProperty("errorCode", out _))
            {
                records.Add(record);
            }
        }

        HashSet<string> Audited(string eventName, Func<JsonElement, string> what) =>
            records.Where(r => r.GetProperty("eventName").GetString() == eventName).Select(what).ToHashSet(StringComparer.Ordinal);

        var createdKeys = Audited("CreateKey", r => r.GetProperty("responseElements").GetProperty("keyMetadata").GetProperty("keyId").GetString()!);
        var createdAliases = Audited("CreateAlias", r => r.GetProperty("requestParameters").GetProperty("aliasName").GetString()!);
        var createdGrants = Audited("CreateGrant", r => r.GetProperty("responseElements").GetProperty("grantId").GetString()!);
        var disabledKeys = Audited("DisableKey", r => r.GetProperty("requestParameters").GetProperty("keyId").GetString()!);

        var keys = Strings(connection, "SELECT key_id FROM kms_keys");
        var aliases = Strings(connection, "SELECT alias_name FROM kms_aliases");
        var grants = Strings(connection, "SELECT grant_id FROM kms_grants");
        var disabled = Strings(connection, """
            SELECT r.key_id FROM kms_key_revisions r
            WHERE r.state = 'Disabled' AND r.revision = (SELECT MAX(revision) FROM kms_key_revisions x WHERE x.key_id = r.key_id)
            """);
        var unaudited = keys.Where(k => !createdKeys.Contains(k)).Select(k => "key " + k)
            .Concat(aliases.Where(a => !createdAliases.Contains(a)).Select(a => "alias " + a))
            .Concat(grants.Where(g => !createdGrants.Contains(g)).Select(g => "grant " + g))
            .Concat(disabled.Where(k => !disabledKeys.Contains(k)).Select(k => "disabled key " + k))
            .ToList();
        Assert.True(unaudited.Count == 0, "changes in the database without their audit record: " + string.Join(", ", unaudited));
    }

    private static long CountRecords(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "tracevault.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_events";
        return (long)command.ExecuteScalar()!;
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static (string AccessKeyId, string Secret) Credentials(string directory)
    {
        var values = File.ReadAllLines(Path.Combine(directory, "credentials"))
            .Select(line => line.Split(" = ", 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());
        return (values["aws_access_key_id"], values["aws_secret_access_key"]);
    }
}
