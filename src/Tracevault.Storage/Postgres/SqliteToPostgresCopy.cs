using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// Copies an embedded (SQLite) store into an empty PostgreSQL database, row for row and in one PostgreSQL transaction: sealed
/// chunks, dictionaries and blind index as they are (their ids are part of their seals), keys, users, settings, wrapped data keys
/// (ids kept, the identity moved past them), root-key checks and the audit chain with its sealed head (never re-chained).
/// </summary>
/// <remarks>The tables of both schemas share names and columns; what only SQLite has (console sessions, node heartbeats) is left behind.</remarks>
public static class SqliteToPostgresCopy
{
    /// <summary>The tables copied, in an order their foreign keys accept.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        "accounts", "users", "access_keys",
        "kms_keys", "kms_key_revisions", "kms_key_versions", "kms_aliases", "kms_grants",
        "root_keys", "service_keys",
        "encryption_settings", "encryption_acks", "kms_data_keys", "storing_status", "trace_index_keys",
        "chunk_dictionaries", "chunks", "blind_index", "undated_index", "chunk_statistics",
        "sampling_rules", "sampling_rule_changes", "sampling_statistics", "sampling_boosts", "xray_groups", "xray_resource_policies", "indexing_rules",
        "insight_claims", "insight_minutes", "insights", "insight_events",
        "kms_usage", "kms_key_last_usage", "audit_events", "audit_head",
    ];

    // Left behind: the schema's bookkeeping (PostgreSQL keeps its own), sessions (users sign in again), this machine's heartbeats,
    // the change number (a PostgreSQL database starts its own), sign-in failures (forgotten within 15 minutes anyway) and trace
    // retrievals (kept a day; their tokens are started again against the new store).
    private static readonly string[] LeftBehind = ["schema_versions", "console_sessions", "nodes", "kms_change_number", "sign_in_failures", "trace_retrievals"];

    // What a table's rows are read as, where SQLite's columns are not PostgreSQL's: an undated key carries its chunk's max_time there.
    private static readonly Dictionary<string, string> Sources = new(StringComparer.Ordinal)
    {
        ["undated_index"] = "SELECT undated_index.trace_key, undated_index.chunk_id, chunks.max_time FROM undated_index JOIN chunks ON chunks.id = undated_index.chunk_id",
    };

    /// <summary>Opens the SQLite file at <paramref name="path"/> for the copy, in one read transaction, so every table is read as of one moment.</summary>
    public static SqliteConnection OpenSource(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN; SELECT count(*) FROM sqlite_master";
        begin.ExecuteScalar();
        return connection;
    }

    /// <summary>The tables of the source nobody has said what to do with: a copy of a store holding them would lose them.</summary>
    public static IReadOnlyList<string> UnknownTables(SqliteConnection source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var command = source.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
        using var reader = command.ExecuteReader();
        var unknown = new List<string>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (!Tables.Contains(name) && !LeftBehind.Contains(name))
            {
                unknown.Add(name);
            }
        }

        return unknown;
    }

    /// <summary>How many rows each copied table holds in the source.</summary>
    public static IReadOnlyDictionary<string, long> CountSource(SqliteConnection source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            using var command = source.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            counts[table] = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>How many rows each copied table holds in the target.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountTargetAsync(NpgsqlConnection target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", target);
            counts[table] = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return counts;
    }

    /// <summary>Makes the day partitions the source's chunks and blind-index keys fall in, so they do not land in the default partitions (where the day's partitions could never be made after).</summary>
    public static async Task MakePartitionsAsync(SqliteConnection source, NpgsqlConnection target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var days = new HashSet<long>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                SELECT DISTINCT max_time / 86400 FROM chunks WHERE max_time >= 0
                UNION SELECT DISTINCT (trace_key >> {TraceIndexHasher.HashBits}) / 24 FROM blind_index WHERE trace_key >= 0
                """);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                days.Add(reader.GetInt64(0));
            }
        }

        await new PostgresTracePartitions().EnsureAsync(target, days, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies every table in <paramref name="transaction"/> (which the caller commits), telling <paramref name="progress"/> the
    /// table, the rows copied and the rows it holds as it goes; then moves the target's id sequences past the copied ids.
    /// </summary>
    /// <exception cref="InvalidDataException">A column PostgreSQL has is missing in the source.</exception>
    public static async Task CopyAsync(
        SqliteConnection source,
        NpgsqlConnection target,
        NpgsqlTransaction transaction,
        IReadOnlyDictionary<string, long> sourceCounts,
        Action<string, long, long> progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceCounts);
        ArgumentNullException.ThrowIfNull(progress);
        foreach (var table in Tables)
        {
            var columns = await ColumnsAsync(target, transaction, table, cancellationToken).ConfigureAwait(false);
            await CopyTableAsync(source, target, table, columns, sourceCounts[table], progress, cancellationToken).ConfigureAwait(false);
        }

        // New chunk and dictionary ids come from blocks of the sequence: past every copied one, so none is given out twice and
        // new chunks still sort after old ones.
        await ExecuteAsync(target, transaction, string.Create(CultureInfo.InvariantCulture, $"""
            SELECT setval('chunk_id_blocks', GREATEST(
                (SELECT COALESCE(max(id), 0) FROM chunks), (SELECT COALESCE(max(id), 0) FROM chunk_dictionaries)) / {PostgresTraceStore.IdBlock} + 1)
            """), cancellationToken).ConfigureAwait(false);

        // Chunks name their wrapped data key as kms/ID: the ids are kept, and new ones come after them.
        await ExecuteAsync(target, transaction,
            "SELECT setval(pg_get_serial_sequence('kms_data_keys', 'id'), COALESCE((SELECT max(id) FROM kms_data_keys), 0) + 1, false)",
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyTableAsync(
        SqliteConnection source,
        NpgsqlConnection target,
        string table,
        IReadOnlyList<(string Name, string Type)> columns,
        long total,
        Action<string, long, long> progress,
        CancellationToken cancellationToken)
    {
        using var select = source.CreateCommand();
        select.CommandText = Sources.TryGetValue(table, out var custom) ? custom : $"SELECT {string.Join(", ", columns.Select(c => c.Name))} FROM {table}";
        SqliteDataReader reader;
        try
        {
            reader = select.ExecuteReader();
        }
        catch (SqliteException exception)
        {
            throw new InvalidDataException($"The table {table} of the SQLite database does not have the columns PostgreSQL's has ({exception.Message}).", exception);
        }

        using (reader)
        {
            var copy = $"COPY {table} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)";
            await using var writer = await target.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
            long done = 0;
            progress(table, 0, total);
            while (reader.Read())
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < columns.Count; i++)
                {
                    await WriteAsync(writer, reader, i, columns[i].Type, cancellationToken).ConfigureAwait(false);
                }

                done++;
                progress(table, done, total);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter writer, SqliteDataReader reader, int ordinal, string type, CancellationToken cancellationToken)
    {
        if (reader.IsDBNull(ordinal))
        {
            await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        switch (type)
        {
            case "bigint":
                await writer.WriteAsync(reader.GetInt64(ordinal), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                break;
            case "integer":
                await writer.WriteAsync(checked((int)reader.GetInt64(ordinal)), NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                break;
            case "boolean":
                await writer.WriteAsync(reader.GetInt64(ordinal) != 0, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                break;
            case "double precision":
                await writer.WriteAsync(reader.GetDouble(ordinal), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                break;
            case "bytea":
                await writer.WriteAsync((byte[])reader.GetValue(ordinal), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                break;
            case "text":
                await writer.WriteAsync(reader.GetString(ordinal), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidDataException($"A PostgreSQL column of type {type} has no copy from SQLite.");
        }
    }

    private static async Task<IReadOnlyList<(string Name, string Type)>> ColumnsAsync(NpgsqlConnection target, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            target,
            transaction);
        command.Parameters.AddWithValue(table);
        var columns = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns.Count > 0 ? columns : throw new InvalidDataException($"The PostgreSQL database has no table {table}.");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
