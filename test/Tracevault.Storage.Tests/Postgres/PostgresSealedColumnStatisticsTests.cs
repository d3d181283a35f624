using Npgsql;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>
/// ANALYZE (which autovacuum runs by itself) copies sampled column values into <c>pg_statistic</c>, where they outlive the rows:
/// the columns sealed under the root key are never sampled, so a destroyed key version or a retired root key's blobs leave no copy.
/// </summary>
public sealed class PostgresSealedColumnStatisticsTests
{
    [Fact]
    public void Analyze_SealedColumns_KeepsNoSampleOfThem()
    {
        using var backend = new PostgresBackendUnderTest();
        var rootKeys = RootKeyRing.CreateNew();
        _ = backend.OpenKeyRepository(rootKeys);
        _ = backend.OpenIdentityRepository(rootKeys);
        _ = backend.OpenServiceKeyStore(rootKeys);
        using var connection = new NpgsqlConnection(backend.Connection.ConnectionString);
        connection.Open();
        using (var insert = new NpgsqlCommand("INSERT INTO kms_keys VALUES ('k', '111122223333', 'arn', 0); INSERT INTO kms_key_versions VALUES ('k', 1, '\\x0102030405060708', 0, NULL); INSERT INTO service_keys VALUES (1, '\\x0102030405060708')", connection))
        {
            insert.ExecuteNonQuery();
        }

        using (var analyze = new NpgsqlCommand("ANALYZE kms_key_versions; ANALYZE access_keys; ANALYZE service_keys", connection))
        {
            analyze.ExecuteNonQuery();
        }

        using var sampled = new NpgsqlCommand("SELECT count(*) FROM pg_stats WHERE (tablename, attname) IN (('kms_key_versions', 'sealed_material'), ('access_keys', 'sealed_secret'), ('service_keys', 'sealed_key'))", connection);
        Assert.Equal(0L, (long)sampled.ExecuteScalar()!);
        using var other = new NpgsqlCommand("SELECT count(*) FROM pg_stats WHERE tablename = 'kms_key_versions' AND attname = 'key_id'", connection);
        Assert.Equal(1L, (long)other.ExecuteScalar()!);
    }
}
