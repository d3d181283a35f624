using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;

namespace Tracevault.Storage.Sqlite;

/// <summary>The audit trail in the SQLite database: append-only (triggers refuse UPDATE and DELETE), chained by keyed links, under a sealed head.</summary>
/// <remarks>
/// Appends are serialized, in this process by a lock and across processes by an immediate transaction; a call that changed keys
/// appends inside its own transaction (<see cref="SqliteKeyChanges"/>). Opening the log re-chains records of the first, unkeyed
/// format under the key once, after checking their SHA-256 links; a link that did not match is kept in the sealed head.
/// </remarks>
public sealed class SqliteAuditLog : IAuditLog
{
    private const string Columns = "seq, event_id, recipient_account_id, event_time, event_source, event_name, read_only, username, access_key_id, resources, record, hash, key_id";

    private readonly SqliteDatabase _database;
    private readonly AuditChain _chain;
    private readonly Lock _appendLock = new();

    /// <summary>Opens the log over a database, sealing its head (and re-chaining records of the first format under the key) when it has none yet.</summary>
    public SqliteAuditLog(SqliteDatabase database, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(chain);
        _database = database;
        _chain = chain;
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (ReadHead(connection, transaction) is null)
        {
            SealFirstHead(connection, transaction);
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    public void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_appendLock)
        {
            using var connection = _database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            AppendWithin(connection, transaction, events, usage);
            transaction.Commit();
        }
    }

    /// <summary>Appends records and counts the usage inside a transaction the caller holds (begun immediate) and commits.</summary>
    internal void AppendWithin(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        var head = ReadHead(connection, transaction);
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
            SqliteKeyRepository.Execute(connection, transaction, $"INSERT INTO audit_events ({Columns}) VALUES ($seq, $id, $account, $time, $source, $name, $readOnly, $user, $accessKey, $resources, $record, $hash, $key)",
                ("$seq", sequence), ("$id", record.EventId), ("$account", record.RecipientAccountId), ("$time", record.EventTime.ToUnixTimeMilliseconds()),
                ("$source", record.EventSource), ("$name", record.EventName), ("$readOnly", record.ReadOnly ? 1 : 0), ("$user", record.Username),
                ("$accessKey", record.AccessKeyId), ("$resources", string.Join('\n', record.ResourceArns)), ("$record", record.RecordJson), ("$hash", link), ("$key", keyId));
            previous = link;
            lastTime = record.EventTime;
        }

        WriteHead(connection, transaction, new AuditHead(sequence, previous, lastTime, head?.Head.MigratedRecords ?? 0, damage, keyId));
        if (usage is not null)
        {
            SqliteKeyRepository.Execute(connection, transaction, """
                INSERT INTO kms_usage (account_id, key_arn, month, operation, requests) VALUES ($account, $arn, $month, $operation, 1)
                ON CONFLICT (account_id, key_arn, month, operation) DO UPDATE SET requests = requests + 1
                """, ("$account", usage.AccountId), ("$arn", usage.KeyArn), ("$month", usage.Month), ("$operation", usage.Operation));
            foreach (var use in usage.LastUses)
            {
                SqliteKeyRepository.Execute(connection, transaction, """
                    INSERT INTO kms_key_last_usage (key_arn, operation, event_time, event_id, request_id) VALUES ($arn, $operation, $time, $event, $request)
                    ON CONFLICT (key_arn) DO UPDATE SET operation = excluded.operation, event_time = excluded.event_time, event_id = excluded.event_id, request_id = excluded.request_id
                    """, ("$arn", use.KeyArn), ("$operation", use.Operation), ("$time", use.Time.ToUnixTimeMilliseconds()), ("$event", use.EventId), ("$request", use.RequestId));
            }
        }
    }

    /// <inheritdoc />
    public KeyLastUse? FindKeyLastUse(string keyArn)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null,
            "SELECT operation, event_time, event_id, request_id FROM kms_key_last_usage WHERE key_arn = $arn", ("$arn", keyArn));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KeyLastUse(keyArn, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3)) : null;
    }

    /// <inheritdoc />
    public AuditPage Lookup(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = query.AttributeKey switch
        {
            null => "1 = 1",
            "EventId" => "event_id = $value",
            "EventName" => "event_name = $value",
            "ReadOnly" => "read_only = (CASE WHEN $value = 'true' THEN 1 WHEN $value = 'false' THEN 0 ELSE -1 END)",
            "Username" => "username = $value",
            "ResourceType" => "($value = 'AWS::KMS::Key' AND resources <> '')",
            "ResourceName" => "instr(char(10) || resources || char(10), char(10) || $value || char(10)) > 0",
            "EventSource" => "event_source = $value",
            "AccessKeyId" => "access_key_id = $value",
            _ => throw new ArgumentException($"'{query.AttributeKey}' is not a lookup attribute.", nameof(query)),
        };
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, $"""
            SELECT {Columns} FROM audit_events
            WHERE recipient_account_id = $account AND ($before IS NULL OR seq < $before)
              AND ($start IS NULL OR event_time >= $start) AND ($end IS NULL OR event_time < $end) AND {filter}
            ORDER BY seq DESC LIMIT $limit
            """,
            ("$account", query.AccountId), ("$before", query.BeforeSequence), ("$value", query.AttributeValue ?? ""),
            ("$start", query.StartTime is { } start ? start.ToUnixTimeSeconds() * 1000 : null),
            ("$end", query.EndTime is { } end ? (end.ToUnixTimeSeconds() + 1) * 1000 : null),
            ("$limit", query.MaxResults + 1));
        var rows = ReadRows(command);
        var more = rows.Count > query.MaxResults;
        var page = rows.Take(query.MaxResults).ToList();
        return new AuditPage(page.Select(r => r.Event).ToList(), more ? page[^1].Sequence : null);
    }

    /// <inheritdoc />
    public AuditVerification Verify()
    {
        using var connection = _database.Open();

        // One read transaction: the head and the records are read from the same snapshot.
        using var transaction = connection.BeginTransaction(deferred: true);
        return VerifyWithin(connection, transaction);
    }

    /// <summary>
    /// Re-links under the current root key every record from the first one linked under root key <paramref name="retiredKeyId"/>
    /// to the end, and seals the head under it, inside a transaction the caller holds (begun immediate) and commits.
    /// </summary>
    /// <remarks>
    /// The trail is verified first, under the keys it was linked with: what was found wrong is kept in the sealed head (as when
    /// the first format was re-chained), so re-linking never launders a change made before it.
    /// </remarks>
    /// <returns>How many records were re-linked.</returns>
    internal long RelinkWithin(SqliteConnection connection, SqliteTransaction transaction, int retiredKeyId)
    {
        var verification = VerifyWithin(connection, transaction);
        var head = ReadHead(connection, transaction);
        List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> rows;
        using (var command = SqliteKeyRepository.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq"))
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
            SqliteKeyRepository.Execute(connection, transaction, "DROP TRIGGER audit_events_no_update");
            for (var i = first; i < rows.Count; i++)
            {
                var (sequence, record, _, _) = rows[i];
                previous = _chain.Link(keyId, previous, sequence, record);
                SqliteKeyRepository.Execute(connection, transaction, "UPDATE audit_events SET hash = $hash, key_id = $key WHERE seq = $seq", ("$hash", previous), ("$key", keyId), ("$seq", sequence));
                relinked++;
            }

            SqliteKeyRepository.Execute(connection, transaction, "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END");
        }
        else if (rows.Count > 0)
        {
            previous = rows[^1].Hash;
        }

        WriteHead(connection, transaction, new AuditHead(rows.Count > 0 ? rows[^1].Sequence : 0, previous, rows.Count > 0 ? rows[^1].Event.EventTime : null,
            head?.Head.MigratedRecords ?? 0, damage, keyId));
        return relinked;
    }

    private AuditVerification VerifyWithin(SqliteConnection connection, SqliteTransaction transaction)
    {
        var head = ReadHead(connection, transaction);
        using var command = SqliteKeyRepository.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq");
        using var reader = command.ExecuteReader();
        return _chain.Verify(Rows(reader), head);

        static IEnumerable<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> Rows(SqliteDataReader reader)
        {
            while (reader.Read())
            {
                yield return ReadRow(reader);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null,
            "SELECT key_arn, month, operation, requests FROM kms_usage WHERE account_id = $account AND ($month IS NULL OR month = $month) ORDER BY month, key_arn, operation",
            ("$account", accountId), ("$month", month));
        var usage = new List<KeyUsage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            usage.Add(new KeyUsage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return usage;
    }

    /// <summary>Seals the first head: over an empty trail, or over records of the first format after checking and re-chaining them under the key.</summary>
    private void SealFirstHead(SqliteConnection connection, SqliteTransaction transaction)
    {
        List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> rows;
        using (var command = SqliteKeyRepository.Command(connection, transaction, $"SELECT {Columns} FROM audit_events ORDER BY seq"))
        {
            rows = ReadRows(command);
        }

        var keyId = _chain.CurrentKeyId;
        if (rows.Count == 0)
        {
            // Every key's creation is recorded: keys without a single record mean the trail was wiped with its head.
            using var keys = SqliteKeyRepository.Command(connection, transaction, "SELECT EXISTS (SELECT 1 FROM kms_keys)");
            var damage = Convert.ToInt64(keys.ExecuteScalar(), CultureInfo.InvariantCulture) == 1 ? "broken: the trail was empty and had no sealed head, though keys exist" : null;
            WriteHead(connection, transaction, new AuditHead(0, AuditChain.Genesis, null, 0, damage, keyId));
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

        // Records of the first format: check their SHA-256 links, then re-chain them all under the key. A link that did not
        // match is not laundered by the re-chaining: it stays in the sealed head, and every verification reports it.
        string? broken = null;
        var plainPrevious = AuditChain.Genesis;
        var previous = AuditChain.Genesis;
        var updates = new List<(long Sequence, byte[] Link)>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (sequence, record, hash, _) = rows[i];
            if (broken is null && (sequence != i + 1 || !AuditChain.PlainLink(plainPrevious, sequence, record).AsSpan().SequenceEqual(hash)))
            {
                broken = $"broken at event {record.EventId}: its SHA-256 link did not match when the trail was re-chained under the key, so it or a record before it had been changed, removed or inserted";
            }

            plainPrevious = hash;
            previous = _chain.Link(keyId, previous, sequence, record);
            updates.Add((sequence, previous));
        }

        SqliteKeyRepository.Execute(connection, transaction, "DROP TRIGGER audit_events_no_update");
        foreach (var (sequence, link) in updates)
        {
            SqliteKeyRepository.Execute(connection, transaction, "UPDATE audit_events SET hash = $hash, key_id = $key WHERE seq = $seq", ("$hash", link), ("$key", keyId), ("$seq", sequence));
        }

        SqliteKeyRepository.Execute(connection, transaction, "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END");
        WriteHead(connection, transaction, new AuditHead(rows[^1].Sequence, previous, rows[^1].Event.EventTime, rows.Count, broken, keyId));
    }

    private static (AuditHead Head, byte[] Seal)? ReadHead(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction,
            "SELECT records, last_link, last_event_time, migrated_records, damage, key_id, seal FROM audit_head WHERE id = 1");
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var head = new AuditHead(reader.GetInt64(0), (byte[])reader[1], reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5));
        return (head, (byte[])reader[6]);
    }

    private void WriteHead(SqliteConnection connection, SqliteTransaction transaction, AuditHead head) =>
        SqliteKeyRepository.Execute(connection, transaction, """
            INSERT INTO audit_head (id, records, last_link, last_event_time, migrated_records, damage, key_id, seal)
            VALUES (1, $records, $link, $time, $migrated, $damage, $key, $seal)
            ON CONFLICT (id) DO UPDATE SET records = excluded.records, last_link = excluded.last_link, last_event_time = excluded.last_event_time,
                migrated_records = excluded.migrated_records, damage = excluded.damage, key_id = excluded.key_id, seal = excluded.seal
            """,
            ("$records", head.Records), ("$link", head.LastLink), ("$time", head.LastEventTime?.ToUnixTimeMilliseconds()), ("$migrated", head.MigratedRecords),
            ("$damage", head.Damage), ("$key", head.KeyId), ("$seal", _chain.Seal(head)));

    private static (long Sequence, byte[] Link, DateTimeOffset? Time) ReadTail(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction, "SELECT seq, hash, event_time FROM audit_events ORDER BY seq DESC LIMIT 1");
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader[1], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))) : (0, AuditChain.Genesis, null);
    }

    private static List<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> ReadRows(SqliteCommand command)
    {
        var rows = new List<(long, AuditEvent, byte[], int?)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    private static (long Sequence, AuditEvent Event, byte[] Hash, int? KeyId) ReadRow(SqliteDataReader reader)
    {
        var resources = reader.GetString(9);
        var record = new AuditEvent(reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4),
            reader.GetString(5), reader.GetInt64(6) == 1, reader.GetString(7), reader.GetString(8),
            resources.Length == 0 ? [] : resources.Split('\n'), reader.GetString(10));
        return (reader.GetInt64(0), record, (byte[])reader[11], reader.IsDBNull(12) ? null : reader.GetInt32(12));
    }
}
