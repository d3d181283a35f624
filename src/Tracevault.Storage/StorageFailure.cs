using System.Globalization;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tracevault.Storage;

/// <summary>A database failure described without the backend's types: its kind, its error code and the database's own words (never data).</summary>
/// <param name="Kind">What kind of failure it is.</param>
/// <param name="Code">The database's error code and, where it has one, extended code, e.g. <c>SQLite 13/13</c> or <c>PostgreSQL 53100</c>.</param>
/// <param name="Reason">The database's message, e.g. <c>database disk image is malformed</c>.</param>
public sealed record StorageFailure(StorageFailureKind Kind, string Code, string Reason)
{
    // SQLite's primary result codes (https://sqlite.org/rescode.html).
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteNotADatabase = 26;

    /// <summary>The storage failure <paramref name="exception"/> is or wraps, or null when it is no database's failure.</summary>
    public static StorageFailure? Of(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SqliteException sqlite)
            {
                var kind = sqlite.SqliteErrorCode switch
                {
                    SqliteFull => StorageFailureKind.Full,
                    SqliteCorrupt or SqliteNotADatabase => StorageFailureKind.Damaged,
                    _ => StorageFailureKind.Other,
                };
                var code = string.Create(CultureInfo.InvariantCulture, $"SQLite {sqlite.SqliteErrorCode}/{sqlite.SqliteExtendedErrorCode}");
                return new StorageFailure(kind, code, Describe(sqlite));
            }

            if (current is PostgresException postgres)
            {
                return new StorageFailure(Classify(postgres.SqlState), "PostgreSQL " + postgres.SqlState, postgres.MessageText);
            }

            if (current is NpgsqlException npgsql)
            {
                // No answer from the server at all: refused, cut or timed out. The message names the host and port, never the password.
                var unreachable = npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException || NoHostTakesWrites(npgsql);
                var cause = npgsql.InnerException switch
                {
                    SocketException or IOException or TimeoutException => npgsql.InnerException.Message,
                    AggregateException { InnerExceptions.Count: > 0 } hosts => hosts.InnerExceptions[0].Message,
                    _ => null,
                };
                return new StorageFailure(
                    unreachable ? StorageFailureKind.Unavailable : StorageFailureKind.Other,
                    "PostgreSQL connection",
                    cause is null ? npgsql.Message : $"{npgsql.Message.TrimEnd('.')} ({cause.TrimEnd('.')})");
            }

            if (current is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                return Of(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a multi-host connection string (<c>Host=a,b;Target Session Attributes=read-write</c>) found no host taking writes:
    /// the primary down and the standby not promoted yet, or promoted but still remembered as a standby for Npgsql's
    /// <c>Host Recheck Seconds</c>. A failover under way, so unavailable, not a fault.
    /// </summary>
    /// <remarks>Npgsql says so with no inner exception ("No suitable host was found.") or with each host's failure in an
    /// <see cref="AggregateException"/> ("Unable to connect to a suitable host").</remarks>
    private static bool NoHostTakesWrites(NpgsqlException exception) => exception.InnerException switch
    {
        AggregateException hosts => hosts.InnerExceptions.Count > 0 && hosts.InnerExceptions.All(host => Of(host) is { Kind: StorageFailureKind.Unavailable }),
        null => exception.Message.StartsWith("No suitable host", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The kind of a PostgreSQL error by its SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html).</summary>
    private static StorageFailureKind Classify(string sqlState) => sqlState switch
    {
        "53100" => StorageFailureKind.Full, // disk_full
        "XX001" or "XX002" => StorageFailureKind.Damaged, // data_corrupted, index_corrupted
        // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery); too_many_connections;
        // read_only_sql_transaction (a standby, or a primary being demoted in a failover).
        "57P01" or "57P02" or "57P03" or "53300" or "25006" => StorageFailureKind.Unavailable,
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => StorageFailureKind.Unavailable, // connection_exception
        _ => StorageFailureKind.Other,
    };

    /// <summary>SQLite's text for its error (<c>sqlite3_errstr</c>, e.g. "database or disk is full"), without the "SQLite Error N:" prefix.</summary>
    private static string Describe(SqliteException exception)
    {
        // Microsoft.Data.Sqlite words it "SQLite Error 13: 'database or disk is full'."; the message names no data.
        var message = exception.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        return start >= 0 && end > start ? message[(start + 1)..end] : message;
    }
}
