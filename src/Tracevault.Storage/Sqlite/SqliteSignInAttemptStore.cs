using Microsoft.Data.Sqlite;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>The console's failed sign-ins in the SQLite database; each attempt is counted in one immediate transaction, so processes on the file count as one.</summary>
internal sealed class SqliteSignInAttemptStore : ISignInAttemptStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public SqliteSignInAttemptStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public DateTimeOffset? TryBegin(IReadOnlyList<byte[]> names, DateTimeOffset now, SignInAttemptRules rules)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(rules);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var rows = names.Select(name => (Name: name, Row: Read(connection, transaction, name))).ToList();
        if (Latest(rows.Select(r => r.Row), now) is { } retryAt)
        {
            return retryAt;
        }

        foreach (var (name, row) in rows)
        {
            var failures = row is { } found && now - found.LastFailure < rules.ForgetAfter ? found.Failures + 1 : 1;
            SqliteKeyRepository.Execute(connection, transaction,
                "INSERT INTO sign_in_failures (name_hash, failures, last_failure_at, wait_until) VALUES ($name, $failures, $last, $wait) "
                + "ON CONFLICT(name_hash) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, wait_until = excluded.wait_until",
                ("$name", name), ("$failures", failures), ("$last", now.ToUnixTimeMilliseconds()), ("$wait", rules.WaitUntil(failures, now).ToUnixTimeMilliseconds()));
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
            SqliteKeyRepository.Execute(connection, null, "DELETE FROM sign_in_failures WHERE name_hash = $name", ("$name", name));
        }
    }

    /// <inheritdoc />
    public int RemoveForgotten(DateTimeOffset lastFailureAtOrBefore)
    {
        using var connection = _database.Open();
        return SqliteKeyRepository.Execute(connection, null, "DELETE FROM sign_in_failures WHERE last_failure_at <= $before", ("$before", lastFailureAtOrBefore.ToUnixTimeMilliseconds()));
    }

    private static (long Failures, DateTimeOffset LastFailure, DateTimeOffset WaitUntil)? Read(SqliteConnection connection, SqliteTransaction? transaction, byte[] name)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction, "SELECT failures, last_failure_at, wait_until FROM sign_in_failures WHERE name_hash = $name", ("$name", name));
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
}
