using System.CommandLine;
using System.Globalization;
using Npgsql;
using Tracevault.Server.Hosting;
using Tracevault.Storage;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Server.Cli;

/// <summary>
/// <c>tracevault migrate --data DIR --to-postgres CONNECTION</c>: copies an embedded store into an empty PostgreSQL database in one
/// transaction (all or nothing), sealed data as it is, then verifies the audit trail there and compares every table's rows.
/// </summary>
internal static class MigrateCommand
{
    /// <summary>Exit code: the database is not empty, or a value is not one the command takes.</summary>
    public const int Refused = 2;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new DataDirectoryOptions();
        var toPostgres = new Option<string>("--to-postgres")
        {
            Description = "The empty PostgreSQL database to copy the store into (an Npgsql connection string or a postgresql:// URL).",
            Required = true,
        };
        var command = new Command(
            "migrate",
            "Copy the embedded (SQLite) store of a data directory into an empty PostgreSQL database, in one transaction: sealed trace data as it is (not re-encrypted), keys, users, settings and the audit trail; then verify the audit trail there.")
        {
            toPostgres,
        };
        command.Options.Add(data.Data);
        command.Options.Add(data.RootKeyFile);
        command.Options.Add(data.PassphraseFile);
        ServeSettings.DescribeVariables([data.Data, data.RootKeyFile, data.PassphraseFile]);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (path, rootKey, _) = data.Resolve(parse, command);
            NpgsqlConnectionStringBuilder target;
            try
            {
                target = PostgresConnectionString.Parse(parse.GetValue(toPostgres)!);
            }
            catch (ArgumentException exception)
            {
                var message = exception.ParamName is { } name ? exception.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : exception.Message;
                throw new DataDirectoryException("--to-postgres: " + message.Replace("--postgres: ", "", StringComparison.Ordinal), exception) { ExitCode = Refused };
            }

            return await RunAsync(path, rootKey, target, System.Console.Out, ProgressReporter.ForConsole(), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Copies the store in the data directory at <paramref name="path"/> into <paramref name="target"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder target, TextWriter output, ProgressReporter progress, CancellationToken cancellationToken)
    {
        var where = PostgresConnectionString.Describe(target);

        // Opening the source checks its root key (and brings its schema up to date), before the target is touched.
        var source = DataDirectory.Open(path, rootKey, postgres: null, TimeProvider.System);
        var databasePath = Path.Combine(source.Path, SqliteBackend.FileName);
        var rootKeyPath = source.RootKeyPath;
        (source.Storage as IDisposable)?.Dispose();

        using var sqlite = SqliteToPostgresCopy.OpenSource(databasePath);
        if (SqliteToPostgresCopy.UnknownTables(sqlite) is { Count: > 0 } unknown)
        {
            throw new DataDirectoryException($"The store holds tables this version cannot copy ({string.Join(", ", unknown)}); nothing was copied.");
        }

        var sourceCounts = SqliteToPostgresCopy.CountSource(sqlite);
        try
        {
            // Held until the copy commits, so a node starting on the same database meanwhile neither initializes it nor sees half of it.
            using var bootstrap = PostgresBackend.LockBootstrap(target);
            using (new PostgresDatabase(target))
            {
                // Applies the schema.
            }

            await using var connection = new NpgsqlConnection(target.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var before = await SqliteToPostgresCopy.CountTargetAsync(connection, cancellationToken).ConfigureAwait(false);
            if (before.Where(pair => pair.Value > 0).Select(pair => pair.Key).ToList() is { Count: > 0 } holding)
            {
                await System.Console.Error.WriteLineAsync(
                    $"The PostgreSQL database {where} is not empty (it holds rows in {string.Join(", ", holding)}): migrate copies into an empty database only; nothing was copied.").ConfigureAwait(false);
                return Refused;
            }

            progress.Begin($"Copying {source.Path} into the PostgreSQL database {where} in one transaction ({sourceCounts.Values.Sum():N0} rows)");
            await SqliteToPostgresCopy.MakePartitionsAsync(sqlite, connection, cancellationToken).ConfigureAwait(false);
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                var current = "";
                await SqliteToPostgresCopy.CopyAsync(sqlite, connection, transaction, sourceCounts, (table, done, total) =>
                {
                    if (table != current)
                    {
                        current = table;
                        progress.Begin(string.Create(CultureInfo.InvariantCulture, $"copying {table} ({total:N0} rows)"));
                    }

                    progress.Report(done, total, "copied", table + " rows");
                }, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            var after = await SqliteToPostgresCopy.CountTargetAsync(connection, cancellationToken).ConfigureAwait(false);
            var differ = false;
            foreach (var table in SqliteToPostgresCopy.Tables)
            {
                var same = sourceCounts[table] == after[table];
                differ |= !same;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{table}: {sourceCounts[table]:N0} rows in SQLite, {after[table]:N0} in PostgreSQL{(same ? "" : " (DIFFERENT)")}"));
            }

            if (differ)
            {
                await System.Console.Error.WriteLineAsync("The copy does not hold every row of the store.").ConfigureAwait(false);
                return 1;
            }
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException)
        {
            var reason = StorageFailure.Of(exception) is { } failure ? $"{failure.Code}: {failure.Reason}" : exception.Message;
            throw new DataDirectoryException($"The copy into the PostgreSQL database {where} failed; nothing of the store was committed there ({reason.TrimEnd('.')}).", exception);
        }

        // As 'tracevault audit verify --postgres': the chain's keyed links and sealed head, under the same root key, read back from PostgreSQL.
        DataDirectory migrated;
        try
        {
            migrated = DataDirectory.Open(path, rootKey, target, TimeProvider.System);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException)
        {
            var reason = StorageFailure.Of(exception) is { } failure ? $"{failure.Code}: {failure.Reason}" : exception.Message;
            throw new DataDirectoryException($"The store was copied into the PostgreSQL database {where}, but it could not be opened there to verify the audit trail ({reason.TrimEnd('.')}).", exception);
        }

        try
        {
            var result = migrated.Storage.Audit.Verify();
            if (!result.Verified)
            {
                await System.Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"audit trail in PostgreSQL {result.Problem} ({result.Records} records verified before that)")).ConfigureAwait(false);
                return 1;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit trail verified in PostgreSQL: {result.Records} records"));
        }
        finally
        {
            (migrated.Storage as IDisposable)?.Dispose();
        }

        output.WriteLine($"Migrated into the PostgreSQL database {where}. Every node needs a copy of the root key file {rootKeyPath}: start each with 'tracevault serve --postgres … --data DIR', DIR holding that root.key (or --root-key-file naming it).");
        return 0;
    }
}
