using Npgsql;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Hosting;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>Nodes opening one PostgreSQL database at the same instant: one root key, one account and one admin, whoever wins.</summary>
public sealed class PostgresBootstrapTests : IDisposable
{
    private const int Nodes = 4;

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgboot-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Nodes_with_directories_of_their_own_on_an_empty_database_leave_one_root_key_and_the_others_refuse_writing_nothing()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var directories = Enumerable.Range(0, Nodes).Select(i => Path.Combine(_root, "node" + i)).ToArray();

        var outcomes = await OpenAtOnceAsync(database, directories);

        try
        {
            var winner = Assert.Single(outcomes, o => o.Directory is not null);
            Assert.NotNull(winner.Admin);
            Assert.True(File.Exists(Path.Combine(winner.Path, DataDirectory.RootKeyFileName)));
            Assert.True(File.Exists(Path.Combine(winner.Path, DataDirectory.CredentialsFileName)));
            foreach (var loser in outcomes.Where(o => o.Directory is null))
            {
                Assert.Contains("this node has no root key file", loser.Refusal!.Message, StringComparison.Ordinal);
                Assert.Contains("nothing was written", loser.Refusal.Message, StringComparison.Ordinal);
                Assert.False(Directory.Exists(loser.Path), $"{loser.Path} was made by a node that refused");
            }

            Assert.Equal((1L, 1L), (Count(database, "root_keys"), (long)winner.Directory!.Identity.ListAccounts().Count));
        }
        finally
        {
            Close(outcomes);
        }
    }

    [Fact]
    public async Task Nodes_sharing_a_directory_on_an_empty_database_all_start_with_the_root_key_the_first_one_made()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var shared = Path.Combine(_root, "shared");

        var outcomes = await OpenAtOnceAsync(database, Enumerable.Repeat(shared, Nodes).ToArray());

        try
        {
            Assert.All(outcomes, o => Assert.True(o.Directory is not null, o.Refusal?.Message));
            Assert.Single(outcomes, o => o.Admin is not null);
            var check = Assert.Single(outcomes[0].Directory!.RootKeys.Checks());
            Assert.All(outcomes, o => Assert.Equal(check.Value, Assert.Single(o.Directory!.RootKeys.Checks()).Value));
            Assert.Equal(check.Value, Assert.Single(RootKeyRing.Load(Path.Combine(shared, DataDirectory.RootKeyFileName)).Checks()).Value);
            Assert.Equal((1L, 1L), (Count(database, "root_keys"), (long)outcomes[0].Directory!.Identity.ListAccounts().Count));
        }
        finally
        {
            Close(outcomes);
        }
    }

    [Fact]
    public void A_node_whose_root_key_is_another_refuses_and_leaves_the_database_and_its_directory_as_they_were()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var first = DataDirectory.OpenOrCreate(Path.Combine(_root, "first"), new RootKeyOptions(), database, TimeProvider.System);
        try
        {
            Assert.NotNull(first.InitializeIfEmpty());
            var other = Directory.CreateDirectory(Path.Combine(_root, "other")).FullName;
            var otherKey = Path.Combine(other, DataDirectory.RootKeyFileName);
            RootKeyRing.CreateNew().Save(otherKey);
            var keyBefore = File.ReadAllBytes(otherKey);
            var rowsBefore = (Count(database, "root_keys"), Count(database, "schema_versions"));

            var refusal = Assert.Throws<DataDirectoryException>(() => DataDirectory.OpenOrCreate(other, new RootKeyOptions(), database, TimeProvider.System));

            Assert.Contains($"The root key file {otherKey} does not belong to the PostgreSQL database", refusal.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', refusal.Message);
            Assert.Equal([otherKey], Directory.GetFileSystemEntries(other));
            Assert.Equal(keyBefore, File.ReadAllBytes(otherKey));
            Assert.Equal(rowsBefore, (Count(database, "root_keys"), Count(database, "schema_versions")));
        }
        finally
        {
            (first.Storage as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void An_admin_command_on_an_empty_database_refuses_and_makes_nothing()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        var directory = Directory.CreateDirectory(Path.Combine(_root, "node")).FullName;

        var refusal = Assert.Throws<DataDirectoryException>(() => DataDirectory.Open(directory, new RootKeyOptions(), database, TimeProvider.System));

        Assert.Contains("holds no Tracevault data yet", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory));
        Assert.Equal(0L, Count(database, "pg_catalog.pg_tables WHERE schemaname = 'public'"));
    }

    private static async Task<Outcome[]> OpenAtOnceAsync(NpgsqlConnectionStringBuilder database, string[] directories)
    {
        using var gate = new ManualResetEventSlim();
        var opening = directories.Select(path => Task.Factory.StartNew(() =>
        {
            gate.Wait();
            try
            {
                var directory = DataDirectory.OpenOrCreate(path, new RootKeyOptions(), database, TimeProvider.System);
                return new Outcome(path, directory, directory.InitializeIfEmpty(), null);
            }
            catch (DataDirectoryException refusal)
            {
                return new Outcome(path, null, null, refusal);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        gate.Set();
        return await Task.WhenAll(opening);
    }

    private static long Count(NpgsqlConnectionStringBuilder database, string table)
    {
        using var connection = new NpgsqlConnection(database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM " + table, connection);
        return (long)command.ExecuteScalar()!;
    }

    private static void Close(IEnumerable<Outcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            (outcome.Directory?.Storage as IDisposable)?.Dispose();
        }
    }

    private sealed record Outcome(string Path, DataDirectory? Directory, Keys.Identity.NewUser? Admin, DataDirectoryException? Refusal);
}
