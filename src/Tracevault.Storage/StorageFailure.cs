using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tracevault.Storage;

/// <summary>A database failure described without the backend's types: its kind, its error code and the database's own words (never data).</summary>
/// <param name="Kind">What kind of failure it is.</param>
/// <param name="Code">The database's error code and, where it has one, extended code, e.g. <c>SQLite 13/13</c>.</param>
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

            if (current is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                return Of(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }

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
