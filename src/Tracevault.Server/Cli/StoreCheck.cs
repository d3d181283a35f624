using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Kms;
using Tracevault.Keys.Settings;
using Tracevault.Server.Hosting;
using Tracevault.Storage;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Cli;

/// <summary><c>tracevault check</c>: SQLite's integrity check of the database (PostgreSQL has none to run from here), then every sealed chunk opened, and a report of what is damaged.</summary>
/// <remarks>
/// Trace ids are stored only as blind-index hashes, so a damaged chunk is reported by what is known of it: its id, account, time
/// range and data key, how many traces it loses (the blind index counts them), the first trace id of each damaged frame (its sealed
/// directory names it), and the ids of the traces in its frames that still open.
/// </remarks>
public static class StoreCheck
{
    /// <summary>Exit code: nothing damaged.</summary>
    public const int Clean = 0;

    /// <summary>Exit code: something is damaged (or the file is not a Tracevault database).</summary>
    public const int Damaged = 1;

    /// <summary>Exit code: there is nothing to check there.</summary>
    public const int NotFound = 2;

    /// <summary>Checks the data directory at <paramref name="path"/> (its root key where <paramref name="rootKey"/> says; its data in <paramref name="postgres"/> when given), writing the report to <paramref name="output"/> and how far it got to <paramref name="progress"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder? postgres, string region, TextWriter output, ProgressReporter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        var full = Path.GetFullPath(path);
        var damaged = false;
        if (postgres is null)
        {
            if (CheckSqliteFile(full, output, progress, out damaged) is { } result)
            {
                return result;
            }
        }
        else
        {
            // Its files are the server's to check; every chunk below is read through it, and a page it finds damaged is reported (XX001).
            output.WriteLine($"database PostgreSQL {PostgresConnectionString.Describe(postgres)}: no file check from here; every chunk is read through the server");
        }

        try
        {
            damaged |= await CheckChunksAsync(full, rootKey, postgres, region, output, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Unavailable } unavailable)
        {
            throw new DataDirectoryException($"The check could not finish: the database cannot be reached ({unavailable.Code}: {unavailable.Reason.TrimEnd('.')}); run it again once it is back.", exception);
        }
        catch (Exception exception) when (exception is InvalidDataException || StorageFailure.Of(exception) is not null)
        {
            var failure = StorageFailure.Of(exception);
            output.WriteLine($"damaged: the chunks could not all be listed ({(failure is null ? exception.Message : $"{failure.Code}: {failure.Reason}")})");
            damaged = true;
        }

        output.WriteLine(damaged ? "result: DAMAGED" : "result: clean");
        return damaged ? Damaged : Clean;
    }

    /// <summary>SQLite's file checks: null when the file is there and a database (<paramref name="damaged"/> when its integrity check found problems), else the exit code to end on.</summary>
    private static int? CheckSqliteFile(string full, TextWriter output, ProgressReporter progress, out bool damaged)
    {
        damaged = false;
        var database = Path.Combine(full, SqliteBackend.FileName);
        if (!File.Exists(database))
        {
            output.WriteLine($"no Tracevault database at {database}");
            return NotFound;
        }

        try
        {
            SqliteBackend.CheckFile(database);
        }
        catch (InvalidDataException exception)
        {
            output.WriteLine($"damaged: {exception.Message}");
            return Damaged;
        }

        IReadOnlyList<string> findings;
        progress.Begin(string.Create(CultureInfo.InvariantCulture, $"running SQLite's integrity check on {database} ({new FileInfo(database).Length / (1024 * 1024):N0} MiB)"));
        try
        {
            findings = SqliteBackend.IntegrityCheck(database);
        }
        catch (DbException exception) when (StorageFailure.Of(exception) is { } failure)
        {
            findings = [$"the integrity check could not run: {failure.Code}: {failure.Reason}"];
        }

        if (findings.Count == 0)
        {
            output.WriteLine($"database {database}: integrity check ok");
            return null;
        }

        damaged = true;
        output.WriteLine($"database {database}: integrity check found {findings.Count} problem(s):");
        foreach (var finding in findings)
        {
            output.WriteLine($"  {finding}");
        }

        return null;
    }

    /// <summary>Opens every chunk of every account; true when any is damaged.</summary>
    private static async Task<bool> CheckChunksAsync(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder? postgres, string region, TextWriter output, ProgressReporter progress, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var data = DataDirectory.Open(path, rootKey, postgres, time);
        var kmsOptions = new KmsOptions { Region = region };
        var (keys, _) = Kms.KmsRegistration.CreateKeyService(data, kmsOptions, time);
        var defaults = new DefaultDataKeys(data.Storage.ServiceKeys, time, NullLogger<DefaultDataKeys>.Instance);
        var policy = new DataKeyPolicy(keys, defaults, data.Storage.EncryptionSettings, time, new EncryptionSettingsOptions(), new Keys.External.NoExternalKeyService(), new Keys.External.ExternalKeyOptions(), NullLogger<DataKeyPolicy>.Instance);
        var store = data.Storage.Traces;
        var reader = new TraceReader(store, policy, policy, NullLogger.Instance);

        int chunks = 0, damagedChunks = 0, notChecked = 0;
        var accounts = (await store.DataKeyUsageAsync(cancellationToken).ConfigureAwait(false)).Select(u => u.AccountId).Distinct(StringComparer.Ordinal).ToList();
        var total = 0L;
        foreach (var account in accounts)
        {
            var counting = await store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
            await using (counting.ConfigureAwait(false))
            {
                total += (await counting.FindHeadersInRangeAsync(account, long.MinValue, long.MaxValue, cancellationToken).ConfigureAwait(false)).Count;
            }
        }

        progress.Begin(string.Create(CultureInfo.InvariantCulture, $"opening {total:N0} chunks in {accounts.Count} account(s)"));
        foreach (var account in accounts)
        {
            var snapshot = await store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
            await using var disposeSnapshot = snapshot.ConfigureAwait(false);
            var caller = Caller.ForService(account, DataKeyPolicy.ServicePrincipal);
            foreach (var header in (await snapshot.FindHeadersInRangeAsync(account, long.MinValue, long.MaxValue, cancellationToken).ConfigureAwait(false)).OrderBy(h => h.Id))
            {
                progress.Report(chunks, total, "checked", "chunks");
                chunks++;
                var where = $"chunk {header.Id} (account {account}, {Time(header.MinTime)} to {Time(header.MaxTime)}, data key {header.DataKeyReference})";
                StoredChunk chunk;
                try
                {
                    chunk = (await snapshot.LoadAsync(account, [header.Id], cancellationToken).ConfigureAwait(false)).Single();
                }
                catch (DbException exception) when (StorageFailure.Of(exception) is { Kind: not StorageFailureKind.Unavailable } failure)
                {
                    damagedChunks++;
                    output.WriteLine($"{where}: DAMAGED: its row cannot be read ({failure.Code}: {failure.Reason}); {await snapshot.CountIndexedTracesAsync(header, cancellationToken).ConfigureAwait(false)} trace(s) indexed in it");
                    continue;
                }

                ChunkCheck check;
                try
                {
                    check = await reader.CheckAsync(chunk, caller, cancellationToken).ConfigureAwait(false);
                }
                catch (DataKeyAccessException exception)
                {
                    notChecked++;
                    output.WriteLine($"{where}: not checked: its data key cannot be opened ({exception.Message})");
                    continue;
                }

                if (check.Damage is not { } damage)
                {
                    continue;
                }

                damagedChunks++;
                var part = damage.Frames == 0 ? "its sealed directory does not open, so nothing of it can be read" : $"{damage.DamagedFrames.Count} of {damage.Frames} frames do not open";
                output.WriteLine($"{where}: DAMAGED: {part} ({damage.Reason}); {damage.Traces} trace(s) lost");
                foreach (var traceId in damage.DamagedFrameFirstTraceIds)
                {
                    output.WriteLine($"  lost trace (first of a damaged frame): {traceId}");
                }

                foreach (var traceId in check.ReadableTraceIds)
                {
                    output.WriteLine($"  readable trace: {traceId}");
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chunks: {chunks} checked in {accounts.Count} account(s), {damagedChunks} damaged, {notChecked} not checked (data key unusable)"));
        return damagedChunks > 0;

        static string Time(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }
}
