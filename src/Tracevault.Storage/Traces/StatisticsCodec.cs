using System.Buffers.Binary;
using System.Text;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Seals and opens a chunk's per-minute statistics under the chunk's data key, bound to the account, chunk, minute and key.</summary>
public static class StatisticsCodec
{
    private static readonly byte[] Purpose = "tracevault/statistics/1"u8.ToArray();

    /// <summary>Seals one minute's tallies.</summary>
    public static SealedMinuteStatistics Seal(string accountId, long chunkId, DataKey dataKey, MinuteStatistics statistics) =>
        Seal(accountId, chunkId, dataKey, statistics, AeadSealer.Seal);

    /// <summary>As <see cref="Seal(string, long, DataKey, MinuteStatistics)"/>, with the cipher given (the benchmarks' seam).</summary>
    internal static SealedMinuteStatistics Seal(string accountId, long chunkId, DataKey dataKey, MinuteStatistics statistics, ChunkCipher cipher)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        ArgumentNullException.ThrowIfNull(statistics);
        var sealedBody = cipher(dataKey.Key, statistics.ToBytes(), AssociatedData(accountId, chunkId, statistics.Minute, dataKey.Reference));
        return new SealedMinuteStatistics(statistics.Minute, sealedBody);
    }

    /// <summary>Opens a stored minute; throws <see cref="System.Security.Cryptography.CryptographicException"/> when it was altered or moved.</summary>
    public static MinuteStatistics Open(StoredStatistics stored, DataKey dataKey)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(dataKey);
        var plain = AeadSealer.Open(dataKey.Key, stored.SealedBody, AssociatedData(stored.AccountId, stored.ChunkId, stored.Minute, stored.DataKeyReference));
        return MinuteStatistics.FromBytes(stored.Minute, plain);
    }

    private static byte[] AssociatedData(string accountId, long chunkId, long minute, string dataKeyReference)
    {
        var account = Encoding.UTF8.GetBytes(accountId);
        var reference = Encoding.UTF8.GetBytes(dataKeyReference);
        var data = new byte[Purpose.Length + 4 + account.Length + 16 + 4 + reference.Length];
        var at = 0;
        Purpose.CopyTo(data, at);
        at += Purpose.Length;
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(at), account.Length);
        at += 4;
        account.CopyTo(data, at);
        at += account.Length;
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(at), chunkId);
        at += 8;
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(at), minute);
        at += 8;
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(at), reference.Length);
        at += 4;
        reference.CopyTo(data, at);
        return data;
    }
}
