using Npgsql;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL schema on a real cluster: applied once however many nodes open the database at the same time.</summary>
public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task Several_nodes_opening_an_empty_database_at_once_apply_each_step_once()
    {
        var connection = PostgresCluster.Shared.CreateDatabase();

        var openings = Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresDatabase(connection))).ToArray();
        var databases = await Task.WhenAll(openings);

        using var check = databases[0].Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM schema_versions", check);
        var parts = (long)(await command.ExecuteScalarAsync())!;
        Assert.Equal(PostgresSchema.Parts.Length, (int)parts);
        foreach (var database in databases)
        {
            database.Dispose();
        }
    }

    [Theory]
    [InlineData("postgresql://alice:s%40cret@db.example:6543/traces?sslmode=require", "db.example", 6543, "traces", "alice", "s@cret")]
    [InlineData("Host=db.example;Port=6543;Database=traces;Username=alice;Password=s@cret", "db.example", 6543, "traces", "alice", "s@cret")]
    public void A_connection_string_or_a_url_names_the_same_database(string value, string host, int port, string database, string user, string password)
    {
        var parsed = PostgresConnectionString.Parse(value);

        Assert.Equal((host, port, database, user, password), (parsed.Host, parsed.Port, parsed.Database, parsed.Username, parsed.Password));
        Assert.DoesNotContain(password, PostgresConnectionString.Describe(parsed), StringComparison.Ordinal);
    }
}
