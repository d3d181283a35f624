using Npgsql;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Postgres;

/// <summary>The console's failed sign-ins in PostgreSQL; each attempt is counted in one transaction under an advisory lock, so every node counts as one.</summary>
internal sealed class PostgresSignInAttemptStore : ISignInAttemptStore
{
    /// <summary>The advisory lock an attempt holds while it reads and counts ("TVSIGNIN" as a number); sign-ins are few, so one lock for all costs nothing.</summary>
    public const long AttemptLock = 0x545653494749494E;

    private readonly PostgresDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public PostgresSignInAttemptStore(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public DateTimeOffset? TryBegin(IReadOnlyList<byte[]> names, DateTimeOffset now, SignInAttemptRules rules)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(rules);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using (var locking = Command(connection, transaction, "SELECT pg_advisory_xact_lock($1)", AttemptLock))
        {
            locking.ExecuteNonQuery();
        }

        var rows = names.Select(name => (Name: name, Row: Read(connection, transaction, name))).ToList();
        if (Latest(rows.Select(r => r.Row), now) is { } retryAt)
        {
            return retryAt;
        }

        foreach (var (name, row) in rows)
        {
            var failures = row is { } found && now - found.LastFailure < rules.ForgetAfter ? found.Failures + 1 : 1;
            using var upsert = Command(connection, transaction,
                "INSERT INTO sign_in_failures (name_hash, failures, last_failure_at, wait_until) VALUES ($1, $2, $3, $4) "
                + "ON CONFLICT (name_hash) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, wait_until = excluded.wait_until",
                name, failures, now.ToUnixTimeMilliseconds(), rules.WaitUntil(failures, now).ToUnixTimeMilliseconds());
            upsert.ExecuteNonQuery();
        }

        transaction.Commit();
        return null;
    }

    /// <inheritdoc />
    public DateTimeOffset? RetryAt(IReadOnlyList<byte[]> names, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(names);
        using var connection = _database.Open();
        return Latest(names.Select(name => Read(connection, null, name)).ToList(), now);
    }

    /// <inheritdoc />
    public void Forgive(IReadOnlyList<byte[]> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        using var connection = _database.Open();
        foreach (var name in names)
        {
            using var command = Command(connection, null, "DELETE FROM sign_in_failures WHERE name_hash = $1", name);
            command.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public int RemoveForgotten(DateTimeOffset lastFailureAtOrBefore)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "DELETE FROM sign_in_failures WHERE last_failure_at <= $1", lastFailureAtOrBefore.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery();
    }

    private static (long Failures, DateTimeOffset LastFailure, DateTimeOffset WaitUntil)? Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, byte[] name)
    {
        using var command = Command(connection, transaction, "SELECT failures, last_failure_at, wait_until FROM sign_in_failures WHERE name_hash = $1", name);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
            : null;
    }

    private static DateTimeOffset? Latest(IEnumerable<(long Failures, DateTimeOffset LastFailure, DateTimeOffset WaitUntil)?> rows, DateTimeOffset now)
    {
        DateTimeOffset? latest = null;
        foreach (var row in rows)
        {
            if (row is { } found && found.WaitUntil > now && (latest is null || found.WaitUntil > latest))
            {
                latest = found.WaitUntil;
            }
        }

        return latest;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return command;
    }
}
