using System.Net;
using System.Net.Sockets;
using Npgsql;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>PostgreSQL's failures, raised by a real cluster or a real refused connection, classified as the server answers them.</summary>
public sealed class PostgresStorageFailureTests
{
    [Theory]
    [InlineData("53100", StorageFailureKind.Full)]
    [InlineData("XX001", StorageFailureKind.Damaged)]
    [InlineData("XX002", StorageFailureKind.Damaged)]
    [InlineData("57P01", StorageFailureKind.Unavailable)]
    [InlineData("57P02", StorageFailureKind.Unavailable)]
    [InlineData("57P03", StorageFailureKind.Unavailable)]
    [InlineData("08006", StorageFailureKind.Unavailable)]
    [InlineData("25006", StorageFailureKind.Unavailable)]
    [InlineData("23505", StorageFailureKind.Other)]
    public async Task An_error_the_server_raises_is_classified_by_its_sqlstate(string sqlState, StorageFailureKind expected)
    {
        await using var connection = new NpgsqlConnection(PostgresCluster.Shared.ConnectionString("postgres").ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DO $$ BEGIN RAISE EXCEPTION 'raised for the test' USING ERRCODE = '{sqlState}'; END $$", connection);

        var exception = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        var failure = StorageFailure.Of(new InvalidOperationException("wrapped", exception));
        Assert.NotNull(failure);
        Assert.Equal((expected, "PostgreSQL " + sqlState, "raised for the test"), (failure.Kind, failure.Code, failure.Reason));
    }

    [Fact]
    public async Task A_session_the_server_terminates_is_unavailable()
    {
        await using var connection = new NpgsqlConnection(PostgresCluster.Shared.ConnectionString("postgres").ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(pg_backend_pid())", connection);

        var exception = await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());

        Assert.Equal(StorageFailureKind.Unavailable, StorageFailure.Of(exception)?.Kind);
    }

    [Fact]
    public async Task Several_hosts_none_of_the_kind_asked_for_is_unavailable_as_in_a_failover()
    {
        // A primary down (refused) and the other host not what is asked for: as a failover before (or just after) the standby's promotion.
        var builder = new NpgsqlConnectionStringBuilder(PostgresCluster.Shared.ConnectionString("postgres").ConnectionString)
        {
            Host = $"127.0.0.1:{FreePort()},127.0.0.1:{PostgresCluster.Shared.Port}",
            TargetSessionAttributes = "standby",
            Pooling = true,
            Timeout = 5,
        };
        await using var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();

        // First with each host's failure inside ("Unable to connect to a suitable host"), then, the hosts' states remembered, without ("No suitable host was found.").
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var exception = await Assert.ThrowsAnyAsync<NpgsqlException>(() => dataSource.OpenConnectionAsync().AsTask());
            Assert.Equal(StorageFailureKind.Unavailable, StorageFailure.Of(exception)?.Kind);
        }
    }

    [Fact]
    public async Task A_refused_connection_is_unavailable_and_its_description_holds_no_password()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Database = "none", Username = "u", Password = "canary-password-7f3", Pooling = false, Timeout = 5 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        var exception = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        var failure = StorageFailure.Of(exception);
        Assert.NotNull(failure);
        Assert.Equal(StorageFailureKind.Unavailable, failure.Kind);
        Assert.DoesNotContain("canary-password-7f3", failure.Code + failure.Reason, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
