using System.Globalization;
using Npgsql;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// The day partitions of the trace tables: <c>chunks</c> and <c>undated_index</c> by the UTC day of a chunk's <c>max_time</c>,
/// <c>blind_index</c> by the UTC day of a key's trace hour. A day's three partitions are made together, before the first append
/// that needs them (and the next day's with them, so midnight finds it ready), and dropped together by retention.
/// </summary>
/// <remarks>
/// Thread-safe, and safe across nodes: partitions are made and dropped under one advisory lock, with a short lock timeout so
/// neither waits long behind a read. What cannot be given its partition in time lands in the default partition, which every read
/// and retention round covers as well, so nothing depends on a partition being there.
/// </remarks>
internal sealed class PostgresTracePartitions
{
    /// <summary>The advisory lock that serializes making and dropping partitions ("TVPARTS" as a number).</summary>
    public const long PartitionLock = 0x54565041525453;

    /// <summary>
    /// How long making or dropping a partition waits for the tables' locks: dropping waits for every read of the table to end, and
    /// appends queue behind it meanwhile, so it gives up soon (retention then deletes rows, and drops the day in a later round).
    /// </summary>
    public const string LockTimeout = "1s";

    // Keys begin with the trace hour in 23 bits (TraceIndexHasher): days past that, and before 1970, have no partition of their own.
    private const long LastDay = (1L << (63 - TraceIndexHasher.HashBits)) / 24 - 1;

    private static readonly string[] Tables = ["chunks", "blind_index", "undated_index"];

    private readonly Lock _lock = new();
    private HashSet<long>? _known;

    // Days whose partitions could not be made because the default partition already holds rows of them: not tried again until
    // a retention round has run.
    private readonly HashSet<long> _inDefault = [];

    /// <summary>The UTC day (days since the epoch) that holds <paramref name="epochSeconds"/>.</summary>
    public static long DayOf(long epochSeconds) => Math.DivRem(epochSeconds, 86400, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>The UTC day of a dated blind-index key's trace hour.</summary>
    public static long DayOfKey(long traceKey) => (traceKey >> TraceIndexHasher.HashBits) / 24;

    /// <summary>Makes the partitions of <paramref name="days"/> that are missing, each day in its own short transaction.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, IEnumerable<long> days, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _known) is null)
        {
            var existing = await ExistingAsync(connection, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _known ??= existing;
            }
        }

        List<long> missing;
        lock (_lock)
        {
            missing = [.. days.Where(day => day is >= 0 and <= LastDay && !_known!.Contains(day) && !_inDefault.Contains(day)).Distinct().Order()];
        }

        foreach (var day in missing)
        {
            var made = await MakeAsync(connection, day, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (made is { } inPartition)
                {
                    (inPartition ? _known! : _inDefault).Add(day);
                }
            }
        }
    }

    /// <summary>
    /// Drops the partitions of the days wholly before the hour of <paramref name="beforeSecond"/> and returns how many chunks they
    /// held; 0 when another transaction held the tables past <see cref="LockTimeout"/> (the days are dropped in a later round).
    /// </summary>
    public async Task<int> DropBeforeAsync(NpgsqlConnection connection, long beforeSecond, CancellationToken cancellationToken)
    {
        var hourStart = beforeSecond - (((beforeSecond % 3600) + 3600) % 3600);
        var days = (await ExistingAsync(connection, cancellationToken).ConfigureAwait(false)).Where(day => (day + 1) * 86400 <= hourStart).Order().ToList();
        lock (_lock)
        {
            _inDefault.Clear();
        }

        if (days.Count == 0)
        {
            return 0;
        }

        var dropped = 0;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = '{LockTimeout}'", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PartitionLock})", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "LOCK TABLE chunks, blind_index, undated_index IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
            foreach (var day in days)
            {
                await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {Name("chunks", day)}", connection, transaction))
                {
                    dropped += Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }

                await ExecuteAsync(connection, transaction, "DROP TABLE IF EXISTS " + string.Join(", ", Tables.Select(table => Name(table, day))), cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        lock (_lock)
        {
            _known?.ExceptWith(days);
        }

        return dropped;
    }

    /// <summary>The days whose three partitions all exist.</summary>
    private static async Task<HashSet<long>> ExistingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var days = new Dictionary<long, int>();
        await using var command = new NpgsqlCommand(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE pg_inherits.inhparent IN ('chunks'::regclass, 'blind_index'::regclass, 'undated_index'::regclass)
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var at = name.LastIndexOf("_p", StringComparison.Ordinal);
            if (at > 0 && DateTime.TryParseExact(name[(at + 2)..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            {
                var day = (long)(date - DateTime.UnixEpoch).TotalDays;
                days[day] = days.GetValueOrDefault(day) + 1;
            }
        }

        return [.. days.Where(pair => pair.Value == Tables.Length).Select(pair => pair.Key)];
    }

    /// <summary>
    /// Makes a day's partitions: true when they exist; false when the default partitions already hold rows of that day (they go
    /// on there); null when a read held the tables too long (its rows go to the default partitions until a later try).
    /// </summary>
    private static async Task<bool?> MakeAsync(NpgsqlConnection connection, long day, CancellationToken cancellationToken)
    {
        var from = day * 86400;
        var to = from + 86400;
        var fromKey = TraceIndexHasher.FirstKeyOfHour(from);
        var toKey = day == LastDay ? long.MaxValue : TraceIndexHasher.FirstKeyOfHour(to);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = '{LockTimeout}'", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PartitionLock})", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"""
                CREATE TABLE IF NOT EXISTS {Name("chunks", day)} PARTITION OF chunks FOR VALUES FROM ({from}) TO ({to});
                CREATE TABLE IF NOT EXISTS {Name("blind_index", day)} PARTITION OF blind_index FOR VALUES FROM ({fromKey}) TO ({toKey});
                CREATE TABLE IF NOT EXISTS {Name("undated_index", day)} PARTITION OF undated_index FOR VALUES FROM ({from}) TO ({to});
                """), cancellationToken);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.CheckViolation)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return exception.SqlState == PostgresErrorCodes.CheckViolation ? false : null;
        }
    }

    private static string Name(string table, long day) =>
        string.Create(CultureInfo.InvariantCulture, $"{table}_p{DateTime.UnixEpoch.AddDays(day):yyyyMMdd}");

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
