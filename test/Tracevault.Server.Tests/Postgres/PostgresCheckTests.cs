using Npgsql;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Postgres;

/// <summary><c>tracevault check</c> and <c>audit verify</c> with <c>--postgres</c>: every chunk opened through the server, a damaged one named; no SQLite file check.</summary>
public sealed class PostgresCheckTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgcheck-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Check_opens_every_chunk_in_the_database_and_names_a_damaged_one_and_audit_verify_passes()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var data = Path.Combine(_root, "node");

        // The server runs throughout: disposing it removes its directory, which holds the root key the commands need.
        await using (var server = await TestServer.StartAsync(dataDirectory: data, configure: options => options.Postgres = database))
        {
            using var xray = XRayApiClient.For(server);
            var now = Now();
            foreach (var suffix in new[] { "c4ec0001", "c4ec0002", "c4ec0003" })
            {
                // One request at a time: each trace is a chunk of its own.
                var traceId = TraceId(now, "0000000000000000" + suffix);
                Assert.Empty(await xray.PutTraceSegmentsAsync([Segment(traceId, suffix + "00000000", "checked", now - 1, now).ToJsonString()]));
            }

            var clean = await ServerProcess.RunCommandAsync("check", "--data", data, "--postgres", database.ConnectionString);
            output.WriteLine(clean.Output);
            Assert.Equal(0, clean.ExitCode);
            Assert.Contains("no file check from here", clean.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("integrity check", clean.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("chunks: 3 checked in 1 account(s), 0 damaged", clean.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("result: clean", clean.StandardOutput, StringComparison.Ordinal);

            // One byte of the newest chunk's sealed body flipped behind the store's back.
            await using (var connection = new NpgsqlConnection(database.ConnectionString))
            {
                await connection.OpenAsync();
                await using var flip = new NpgsqlCommand(
                    "UPDATE chunks SET sealed_body = set_byte(sealed_body, length(sealed_body) - 64, get_byte(sealed_body, length(sealed_body) - 64) # 1) WHERE id = (SELECT max(id) FROM chunks)",
                    connection);
                Assert.Equal(1, await flip.ExecuteNonQueryAsync());
            }

            var damaged = await ServerProcess.RunCommandAsync("check", "--data", data, "--postgres", database.ConnectionString);
            output.WriteLine(damaged.Output);
            Assert.Equal(1, damaged.ExitCode);
            Assert.Contains("DAMAGED: 1 of 1 frames do not open", damaged.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("lost trace (first of a damaged frame): " + TraceId(now, "0000000000000000c4ec0003"), damaged.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("chunks: 3 checked in 1 account(s), 1 damaged", damaged.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("result: DAMAGED", damaged.StandardOutput, StringComparison.Ordinal);

            var verify = await ServerProcess.RunCommandAsync("audit", "verify", "--data", data, "--postgres", database.ConnectionString);
            output.WriteLine(verify.Output);
            Assert.Equal(0, verify.ExitCode);
            Assert.StartsWith("verified ", verify.StandardOutput, StringComparison.Ordinal);
        }
    }
}
