using Npgsql;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>What the PostgreSQL backend answers beyond its repositories: its size, the root keys a database expects before it is opened, and the bootstrap lock.</summary>
public sealed class PostgresBackendTests
{
    [Fact]
    public void An_empty_database_expects_no_root_key_and_reading_that_makes_no_table()
    {
        var database = PostgresCluster.Shared.CreateDatabase();

        var stored = PostgresBackend.ReadRootKeysBeforeOpening(database);

        Assert.Empty(stored.Recorded);
        Assert.Empty(stored.Samples);
        Assert.Equal(0L, Scalar(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [Fact]
    public void An_opened_database_expects_the_root_keys_recorded_in_it()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var ring = RootKeyRing.CreateNew();
        using (var backend = PostgresBackend.Open(database, ring))
        {
            backend.RootKeySealed.Record(ring.Checks());
        }

        var stored = PostgresBackend.ReadRootKeysBeforeOpening(database);

        var recorded = Assert.Single(stored.Recorded);
        Assert.Equal(ring.Checks()[0].Value, recorded.Value);
    }

    [Fact]
    public void Its_size_is_the_database_s_size_on_the_server()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        using var backend = PostgresBackend.Open(database, RootKeyRing.CreateNew());

        var size = backend.SizeBytes();

        Assert.True(size > 0);
        Assert.Equal(Scalar(database, "SELECT pg_database_size(current_database())"), size);
        Assert.True(backend.Answers());
    }

    [Fact]
    public async Task A_second_node_waits_for_the_bootstrap_lock_until_the_first_lets_it_go()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var first = PostgresBackend.LockBootstrap(database);

        var second = Task.Run(() => PostgresBackend.LockBootstrap(database));
        await WaitUntilAsync(() => Scalar(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT granted") == 1);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var held = await second.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1L, Scalar(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var tries = 0; !condition(); tries++)
        {
            Assert.True(tries < 1200, "the condition never held within 60 s");
            await Task.Delay(50);
        }
    }

    private static long Scalar(NpgsqlConnectionStringBuilder database, string sql)
    {
        using var connection = new NpgsqlConnection(database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
