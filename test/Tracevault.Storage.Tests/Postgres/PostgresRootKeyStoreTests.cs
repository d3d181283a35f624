using Npgsql;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>What only PostgreSQL's root-key store does: reading the root keys a database expects leaves an empty database empty.</summary>
public sealed class PostgresRootKeyStoreTests
{
    [Fact]
    public void ReadBeforeOpening_EmptyDatabase_ExpectsNothing_AndCreatesNothing()
    {
        var connection = PostgresCluster.Shared.CreateDatabase();

        var stored = PostgresRootKeyStore.ReadBeforeOpening(connection);

        Assert.Empty(stored.Recorded);
        Assert.Empty(stored.Samples);
        using var check = new NpgsqlConnection(connection.ConnectionString);
        check.Open();
        using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'", check);
        Assert.Equal(0L, (long)tables.ExecuteScalar()!);
    }

    [Fact]
    public void ReadBeforeOpening_DatabaseOfAnotherRootKey_IsRefusedByVerification_WithNothingWritten()
    {
        var connection = PostgresCluster.Shared.CreateDatabase();
        var owner = RootKeyRing.CreateNew();
        using (var database = new PostgresDatabase(connection))
        {
            new PostgresRootKeyStore(database).Record(owner.Checks());
        }

        var stored = PostgresRootKeyStore.ReadBeforeOpening(connection);

        RootKeyVerification.Verify(owner, stored);
        Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(RootKeyRing.CreateNew(), stored));
    }
}
