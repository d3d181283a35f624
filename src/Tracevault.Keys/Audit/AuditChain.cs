using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Audit;

/// <summary>
/// What makes the audit trail tamper-evident: each record's link is an HMAC, under a key only Tracevault holds, of its canonical
/// form and the link before it; the chain's head (how many records, the last link) is sealed under the same key.
/// </summary>
/// <remarks>
/// The HMAC key is derived from a root key with its own label (<see cref="KeyLabel"/>); each record and the head name the
/// root key whose derived key made them, so a root-key rotation starts using the new key without touching old records.
/// Without the root key nobody can recompute a link or seal a shorter head. Thread-safe.
/// </remarks>
public sealed class AuditChain
{
    /// <summary>The HKDF label of the chain key.</summary>
    public const string KeyLabel = "tracevault/audit-chain/v1";

    /// <summary>The link before the first record: 32 zero bytes.</summary>
    public static readonly byte[] Genesis = new byte[32];

    private const byte RecordDomain = 1;
    private const byte HeadDomain = 2;

    private readonly RootKeyRing _rootKeys;
    private readonly ConcurrentDictionary<int, byte[]> _keys = new();

    /// <summary>Creates the chain over the root keys its HMAC keys are derived from.</summary>
    public AuditChain(RootKeyRing rootKeys)
    {
        ArgumentNullException.ThrowIfNull(rootKeys);
        _rootKeys = rootKeys;
    }

    /// <summary>The root key id new links and heads are made under: the newest root key's.</summary>
    public int CurrentKeyId => _rootKeys.CurrentKeyId;

    /// <summary>Whether the ring holds the root key <paramref name="keyId"/>, so links made under it can be checked.</summary>
    public bool Holds(int keyId) => _rootKeys.KeyIds.Contains(keyId);

    /// <summary>The link of one record: HMAC-SHA256 under root key <paramref name="keyId"/>'s chain key of the previous link, the sequence number and every stored field.</summary>
    public byte[] Link(int keyId, ReadOnlySpan<byte> previousLink, long sequence, AuditEvent record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Key(keyId));
        mac.AppendData([RecordDomain]);
        AppendNumber(mac, keyId);
        AppendRecord(mac, previousLink, sequence, record);
        return mac.GetHashAndReset();
    }

    /// <summary>The seal of a head: HMAC-SHA256 under its root key's chain key of every field of the head.</summary>
    public byte[] Seal(AuditHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Key(head.KeyId));
        mac.AppendData([HeadDomain]);
        AppendNumber(mac, head.KeyId);
        AppendNumber(mac, head.Records);
        AppendField(mac, head.LastLink);
        AppendNumber(mac, head.LastEventTime?.ToUnixTimeMilliseconds() ?? -1);
        AppendNumber(mac, head.MigratedRecords);
        AppendField(mac, Encoding.UTF8.GetBytes(head.Damage ?? ""));
        return mac.GetHashAndReset();
    }

    /// <summary>Whether <paramref name="seal"/> is the seal of <paramref name="head"/> (compared in constant time).</summary>
    public bool IsSealOf(AuditHead head, ReadOnlySpan<byte> seal)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Holds(head.KeyId) && CryptographicOperations.FixedTimeEquals(Seal(head), seal);
    }

    /// <summary>The unkeyed SHA-256 link of the first format, kept only to check old records before they are re-chained under the key.</summary>
    public static byte[] PlainLink(ReadOnlySpan<byte> previousLink, long sequence, AuditEvent record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendRecord(hash, previousLink, sequence, record);
        return hash.GetHashAndReset();
    }

    private byte[] Key(int keyId) => _keys.GetOrAdd(keyId, id => _rootKeys.DeriveKey(id, KeyLabel));

    /// <summary>The previous link, the sequence number, the time and each field length-prefixed, so no two records encode alike.</summary>
    private static void AppendRecord(IncrementalHash hash, ReadOnlySpan<byte> previousLink, long sequence, AuditEvent record)
    {
        hash.AppendData(previousLink);
        AppendNumber(hash, sequence);
        AppendNumber(hash, record.EventTime.ToUnixTimeMilliseconds());
        foreach (var field in new[]
                 {
                     record.EventId, record.RecipientAccountId, record.EventSource, record.EventName, record.ReadOnly ? "true" : "false",
                     record.Username, record.AccessKeyId, string.Join('\n', record.ResourceArns), record.RecordJson,
                 })
        {
            AppendField(hash, Encoding.UTF8.GetBytes(field));
        }
    }

    private static void AppendField(IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        AppendNumber(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendNumber(IncrementalHash hash, long number)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, number);
        hash.AppendData(bytes);
    }

    /// <summary>
    /// Verifies a whole trail as <c>audit verify</c> reports it: <paramref name="records"/> in sequence order, each linked to the one
    /// before under the root key it names, ending where its sealed <paramref name="head"/> (null when missing) says.
    /// </summary>
    public AuditVerification Verify(IEnumerable<(long Sequence, AuditEvent Event, byte[] Hash, int? KeyId)> records, (AuditHead Head, byte[] Seal)? head)
    {
        ArgumentNullException.ThrowIfNull(records);
        var previous = AuditChain.Genesis;
        long count = 0;
        DateTimeOffset? lastTime = null;
        foreach (var row in records)
        {
            var problem = row.Sequence != count + 1 ? $"broken at event {row.Event.EventId}: record {count + 1} before it is missing (sequence {row.Sequence} follows {count})"
                : row.KeyId is not { } keyId ? $"broken at event {row.Event.EventId}: it was never chained under the key"
                : !Holds(keyId) ? $"broken at event {row.Event.EventId}: it was chained under root key {keyId}, which the root key file does not hold"
                : !Link(keyId, previous, row.Sequence, row.Event).AsSpan().SequenceEqual(row.Hash)
                    ? $"broken at event {row.Event.EventId}: its link does not match, so it or a record before it was changed, removed or inserted"
                : null;
            if (problem is not null)
            {
                return new AuditVerification(false, count, lastTime, row.Event.EventId, problem);
            }

            previous = row.Hash;
            lastTime = row.Event.EventTime;
            count++;
        }

        var failure = head is not { } sealedHead ? "altered: its sealed head is missing"
            : !IsSealOf(sealedHead.Head, sealedHead.Seal) ? "altered: its sealed head does not match its seal"
            : sealedHead.Head.Damage is { } damage ? damage
            : count < sealedHead.Head.Records ? string.Create(CultureInfo.InvariantCulture,
                $"truncated: its sealed head counts {sealedHead.Head.Records} records up to {Format(sealedHead.Head.LastEventTime)}, but the chain ends after {count} (up to {Format(lastTime)})")
            : count > sealedHead.Head.Records || !sealedHead.Head.LastLink.AsSpan().SequenceEqual(previous)
                ? string.Create(CultureInfo.InvariantCulture, $"altered: the chain does not end where its sealed head says ({sealedHead.Head.Records} records)")
            : null;
        return new AuditVerification(failure is null, count, lastTime, null, failure);
    }

    private static string Format(DateTimeOffset? time) =>
        time is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "the beginning";
}
