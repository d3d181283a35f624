using System.Data;
using System.Globalization;
using Npgsql;
using Tracevault.Keys.Audit;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// The audit trail in PostgreSQL: one chain of keyed links under one sealed head for every node of a deployment, append-only
/// (triggers refuse UPDATE, DELETE and TRUNCATE).
/// </summary>
/// <remarks>
/// Appends are serialized by the database, not by the process: each takes the advisory lock <see cref="AppendLock"/> and reads
/// the head <c>FOR UPDATE</c> in the transaction that inserts the records and seals the new head, so two nodes appending at
/// once queue and the chain never forks. A call that changed keys or users appends inside its own transaction
/// (<see cref="AppendWithin"/>), so change and records commit together. Thread-safe.
/// </remarks>
public sealed class PostgresAuditLog : IAuditLog
{
    /// <summary>The advisory lock every append holds until its transaction ends ("TVAUDIT" as a number).</summary>
    public const long AppendLock = 0x5456_4155_4449_5400;

    private const string Columns = "seq, event_id, recipient_account_id, event_time, event_source, event_name, read_only, username, access_key_id, resources, record, hash, key_id";

    private readonly PostgresDatabase _database;
    private readonly AuditChain _chain;

    /// <summary>Opens the log over a database, sealing its head (and re-chaining records of the first, unkeyed format under the key) when it has none yet.</summary>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public PostgresAuditLog(PostgresDatabase database, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(chain);
        _database = database;
        _chain = chain;
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        PostgresSql.LockForTransaction(connection, transaction, AppendLock);
        if (ReadHead(connection, transaction, forUpdate: true) is null)
        {
            SealFirstHead(connection, transaction);
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    public void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(events);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        AppendWithin(connection, transaction, events, usage);
        transaction.Commit();
    }

    /// <summary>
    /// Appends records and counts the usage inside a transaction the caller holds and commits: it takes <see cref="AppendLock"/>
    /// (held until the caller's transaction ends) and reads the head <c>FOR UPDATE</c>, so it goes on from the chain as the last
    /// committed append left it, whichever node made that.
    /// </summary>
    /// <remarks>The transaction must be READ COMMITTED (Npgsql's default), so the reads after the lock see the last committed append.</remarks>
    internal void AppendWithin(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(events);
        PostgresSql.LockForTransaction(connection, transaction, AppendLock);
        var head = ReadHead(connection, transaction, forUpdate: true);
        var (sequence, previous, lastTime) = ReadTail(connection, transaction);
        var damage = head?.Head.Damage;
        if (head is null)
        {
            damage ??= $"broken: its sealed head was missing when record {sequence + 1} was appended";
        }
        else if (head.Value.Head.Records != sequence || !head.Value.Head.LastLink.AsSpan().SequenceEqual(previous))
        {
            damage ??= $"truncated or altered: the chain ended at record {sequence}, not where its sealed head said ({head.Value.Head.Records}), when record {sequence + 1} was appended";
        }

        // Appends go on from the chain as it is, so they never fail; what was found wrong stays in the sealed head.
        var keyId = _chain.CurrentKeyId;
        foreach (var record in events)
        {
            sequence++;
            var link = _chain.Link(keyId, previous, sequence, record);
            PostgresSql.Execute(connection, transaction, $"INSERT INTO audit_events ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                sequence, record.EventId, record.RecipientAccountId, record.EventTime.ToUnixTimeMilliseconds(), record.EventSource, record.EventName, record.ReadOnly,
                record.Username, record.AccessKeyId, string.Join('\n', record.ResourceArns), record.RecordJson, link, keyId);
            previous = link;
            lastTime = record.EventTime;
        }

        WriteHead(connection, transaction, new AuditHead(sequence, previous, lastTime, head?.Head.MigratedRecords ?? 0, damage, keyId));
        if (usage is not null)
        {
            PostgresSql.Execute(connection, transaction, """
                INSERT INTO kms_usage (account_id, key_arn, month, operation, requests) VALUES ($1, $2, $3, $4, 1)
                ON CONFLICT (account_id, key_arn, month, operation) DO UPDATE SET requests = kms_usage.requests + 1
                """, usage.AccountId, usage.KeyArn, usage.Month, usage.Operation);
            foreach (var use in usage.LastUses)
            {
                PostgresSql.Execute(connection, transaction, """
                    INSERT INTO kms_key_last_usage (key_arn, operation, event_time, event_id, request_id) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (key_arn) DO UPDATE SET operation = excluded.operation, event_time = excluded.event_time, event_id = excluded.event_id, request_id = excluded.request_id
                    """, use.KeyArn, use.Operation, use.Time.ToUnixTimeMilliseconds(), use.EventId, use.RequestId);
            }
        }
    }

    /// <inheritdoc />
    public AuditPage Lookup(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = query.AttributeKey switch
        {
            null => "TRUE",
            "EventId" => "event_id = $3",
            "EventName" => "event_name = $3",
            "ReadOnly" => "read_only = (CASE WHEN $3 = 'true' THEN TRUE WHEN $3 = 'false' THEN FALSE END)",
            "Username" => "username = $3",
            "ResourceType" => "($3 = 'AWS::KMS::Key' AND resources <> '')",
            "ResourceName" => "strpos(chr(10) || resources || chr(10), chr(10) || $3 || chr(10)) > 0",
            "EventSource" => "event_source = $3",
            "AccessKeyId" => "access_key_id = $3",
            _ => throw new ArgumentException($"'{query.AttributeKey}' is not a lookup attribute.", nameof(query)),
        };
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"""
            SELECT {Columns} FROM audit_events
            WHERE recipient_account_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
              AND ($4::bigint IS NULL OR event_time >= $4::bigint) AND ($5::bigint IS NULL OR event_time < $5::bigint) AND {filter}
            ORDER BY seq DESC LIMIT $6
            """,
            query.AccountId, query.BeforeSequence, query.AttributeValue ?? "",
            query.StartTime is { } start ? start.ToUnixTimeSeconds() * 1000 : null,
            query.EndTime is { } end ? (end.ToUnixTimeSeconds() + 1) * 1000 : null,
            (long)query.MaxResults + 1);
        var rows = ReadRows(command);
        var more = rows.Count > query.MaxResults;
        var page = rows.Take(query.MaxResults).ToList();
        return new AuditPage(page.Select(r => r.Event).ToList(), more ? page[^1].Sequence : null);
    }

    /// <inheritdoc />
    public AuditVerification Verify()
    {
        using var connection = _database.Open();

        // One snapshot: the head and the records are read as one moment left them, whatever other nodes append meanwhile.
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        return VerifyWithin(connection, transaction);
    }

    /// <inheritdoc />
    public KeyLastUse? FindKeyLastUse(string keyArn)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT operation, event_time, event_id, request_id FROM kms_key_last_usage WHERE key_arn = $1", keyArn);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KeyLastUse(keyArn, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3)) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null,
            "SELECT key_arn, month, operation, requests FROM kms_usage WHERE account_id = $1 AND ($2::text IS NULL OR month = $2::text) ORDER BY month, key_arn, operation",
            accountId, month);
        var usage = new List<KeyUsage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            usage.Add(new KeyUsage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return usage;
    }

    /// <summary>
    /// Re-links under the current root key every record from the first one linked under root key <paramref name="retiredKeyId"/>
    /// to the end, and seals the head under it, inside a transaction the caller holds and commits.
    /// </summary>
    /// <remarks>
    /// The trail is verified first, under the keys it was linked with: what was found wrong is kept in the sealed head, so
    /// re-linking never launders a change made before it. Appends on other nodes wait for the caller's commit.
    /// </remarks>
    /// <returns>How many records were re-linked.</returns>
    internal long RelinkWithin(NpgsqlConnection connection, NpgsqlTransaction transaction, int retiredKeyId)
    {
        PostgresSql.LockForTransaction(connection, transaction, AppendLock);
        var verification = VerifyWithin(connection, transaction);
        var head = ReadHead(connection, transaction, forUpdate: true);
        List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> rows;
        using (var command = PostgresSql.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq"))
        {
            rows = ReadRows(command);
        }

        var first = rows.FindIndex(r => r.KeyId == retiredKeyId);
        if (first < 0 && head?.Head.KeyId != retiredKeyId)
        {
            return 0;
        }

        var keyId = _chain.CurrentKeyId;
        var damage = head?.Head.Damage ?? (verification.Verified ? null
            : string.Create(CultureInfo.InvariantCulture, $"{verification.Problem} (found when root key {retiredKeyId} was retired and the trail re-linked under root key {keyId})"));
        var previous = first > 0 ? rows[first - 1].Hash : AuditChain.Genesis;
        var relinked = 0L;
        if (first >= 0)
        {
            var links = new List<(long Sequence, byte[] Link)>(rows.Count - first);
            for (var i = first; i < rows.Count; i++)
            {
                var (sequence, record, _, _) = rows[i];
                previous = _chain.Link(keyId, previous, sequence, record);
                links.Add((sequence, previous));
            }

            Rewrite(connection, transaction, links, keyId);
            relinked = links.Count;
        }
        else if (rows.Count > 0)
        {
            previous = rows[^1].Hash;
        }

        WriteHead(connection, transaction, new AuditHead(rows.Count > 0 ? rows[^1].Sequence : 0, previous, rows.Count > 0 ? rows[^1].Event.EventTime : null,
            head?.Head.MigratedRecords ?? 0, damage, keyId));
        return relinked;
    }

    private AuditVerification VerifyWithin(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var head = ReadHead(connection, transaction, forUpdate: false);
        using var command = PostgresSql.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq");
        using var reader = command.ExecuteReader();
        return _chain.Verify(Rows(reader), head);

        static IEnumerable<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> Rows(NpgsqlDataReader reader)
        {
            while (reader.Read())
            {
                yield return ReadRow(reader);
            }
        }
    }

    /// <summary>Seals the first head: over an empty trail, or over records of the first format after checking and re-chaining them under the key.</summary>
    private void SealFirstHead(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> rows;
        using (var command = PostgresSql.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq"))
        {
            rows = ReadRows(command);
        }

        var keyId = _chain.CurrentKeyId;
        if (rows.Count == 0)
        {
            // Every key's creation is recorded: keys without a single record mean the trail was wiped with its head.
            var keysExist = false;
            if (PostgresSql.TableExists(connection, transaction, "kms_keys"))
            {
                using var keys = PostgresSql.Command(connection, transaction, "SELECT EXISTS (SELECT 1 FROM kms_keys)");
                keysExist = keys.ExecuteScalar() is true;
            }

            WriteHead(connection, transaction, new AuditHead(0, AuditChain.Genesis, null, 0, keysExist ? "broken: the trail was empty and had no sealed head, though keys exist" : null, keyId));
            return;
        }

        if (rows.Any(r => r.KeyId is not null))
        {
            // Keyed records without a head: the head was removed, and where the chain should end is not known.
            var last = rows[^1];
            WriteHead(connection, transaction, new AuditHead(last.Sequence, last.Hash, last.Event.EventTime, 0,
                $"broken: its sealed head was missing when the trail was opened after record {last.Sequence}", keyId));
            return;
        }

        // Records of the first format (copied from an old store): check their SHA-256 links, then re-chain them all under the
        // key. A link that did not match is not laundered by the re-chaining: it stays in the sealed head.
        string? broken = null;
        var plainPrevious = AuditChain.Genesis;
        var previous = AuditChain.Genesis;
        var links = new List<(long Sequence, byte[] Link)>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (sequence, record, hash, _) = rows[i];
            if (broken is null && (sequence != i + 1 || !AuditChain.PlainLink(plainPrevious, sequence, record).AsSpan().SequenceEqual(hash)))
            {
                broken = $"broken at event {record.EventId}: its SHA-256 link did not match when the trail was re-chained under the key, so it or a record before it had been changed, removed or inserted";
            }

            plainPrevious = hash;
            previous = _chain.Link(keyId, previous, sequence, record);
            links.Add((sequence, previous));
        }

        Rewrite(connection, transaction, links, keyId);
        WriteHead(connection, transaction, new AuditHead(rows[^1].Sequence, previous, rows[^1].Event.EventTime, rows.Count, broken, keyId));
    }

    /// <summary>Replaces the links of records, with the trigger that refuses updates off for this transaction only (DDL in PostgreSQL is transactional).</summary>
    private static void Rewrite(NpgsqlConnection connection, NpgsqlTransaction transaction, List<(long Sequence, byte[] Link)> links, int keyId)
    {
        PostgresSql.Execute(connection, transaction, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update");
        foreach (var (sequence, link) in links)
        {
            PostgresSql.Execute(connection, transaction, "UPDATE audit_events SET hash = $1, key_id = $2 WHERE seq = $3", link, keyId, sequence);
        }

        PostgresSql.Execute(connection, transaction, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update");
    }

    private static (AuditHead Head, byte[] Seal)? ReadHead(NpgsqlConnection connection, NpgsqlTransaction transaction, bool forUpdate)
    {
        using var command = PostgresSql.Command(connection, transaction,
            "SELECT records, last_link, last_event_time, migrated_records, damage, key_id, seal FROM audit_head WHERE id = 1" + (forUpdate ? " FOR UPDATE" : ""));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var head = new AuditHead(reader.GetInt64(0), (byte[])reader[1], reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5));
        return (head, (byte[])reader[6]);
    }

    private void WriteHead(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditHead head) =>
        PostgresSql.Execute(connection, transaction, """
            INSERT INTO audit_head (id, records, last_link, last_event_time, migrated_records, damage, key_id, seal)
            VALUES (1, $1, $2, $3::bigint, $4, $5::text, $6, $7)
            ON CONFLICT (id) DO UPDATE SET records = excluded.records, last_link = excluded.last_link, last_event_time = excluded.last_event_time,
                migrated_records = excluded.migrated_records, damage = excluded.damage, key_id = excluded.key_id, seal = excluded.seal
            """,
            head.Records, head.LastLink, head.LastEventTime?.ToUnixTimeMilliseconds(), head.MigratedRecords, head.Damage, head.KeyId, _chain.Seal(head));

    private static (long Sequence, byte[] Link, DateTimeOffset? Time) ReadTail(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = PostgresSql.Command(connection, transaction, "SELECT seq, hash, event_time FROM audit_events ORDER BY seq DESC LIMIT 1");
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader[1], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))) : (0, AuditChain.Genesis, null);
    }

    private static List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> ReadRows(NpgsqlCommand command)
    {
        var rows = new List<(long, AuditEvent, byte[], int?)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    private static (long Sequence, AuditEvent Event, byte[] Hash, int? KeyId) ReadRow(NpgsqlDataReader reader)
    {
        var resources = reader.GetString(9);
        var record = new AuditEvent(reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4),
            reader.GetString(5), reader.GetBoolean(6), reader.GetString(7), reader.GetString(8),
            resources.Length == 0 ? [] : resources.Split('\n'), reader.GetString(10));
        return (reader.GetInt64(0), record, (byte[])reader[11], reader.IsDBNull(12) ? null : reader.GetInt32(12));
    }
}
