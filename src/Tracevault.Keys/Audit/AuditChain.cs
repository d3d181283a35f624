using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Keys.Audit;

/// <summary>The hash chain that makes the audit trail tamper-evident: each record's hash covers its canonical form and the previous record's hash.</summary>
public static class AuditChain
{
    /// <summary>The hash before the first record: 32 zero bytes.</summary>
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>SHA-256 of the previous hash, the sequence number and every stored field, each length-prefixed so no two records encode alike.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> previousHash, long sequence, AuditEvent record)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previousHash);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, record.EventTime.ToUnixTimeMilliseconds());
        hash.AppendData(number);
        foreach (var field in new[]
                 {
                     record.EventId, record.RecipientAccountId, record.EventSource, record.EventName, record.ReadOnly ? "true" : "false",
                     record.Username, record.AccessKeyId, string.Join('\n', record.ResourceArns), record.RecordJson,
                 })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt64BigEndian(number, bytes.Length);
            hash.AppendData(number);
            hash.AppendData(bytes);
        }

        return hash.GetHashAndReset();
    }
}
