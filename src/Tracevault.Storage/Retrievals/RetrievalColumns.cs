using System.Buffers.Binary;

namespace Tracevault.Storage.Retrievals;

/// <summary>How a retrieval's columns are stored: lists of longs as 8-byte little-endian blobs, statuses as X-Ray's names.</summary>
internal static class RetrievalColumns
{
    /// <summary>The columns, in the order both backends read them.</summary>
    public const string All = "account_id, id, created_at, start_time, end_time, status, data_key_reference, sealed_trace_ids, trace_hashes, chunk_ids";

    /// <summary>A list of longs as a blob.</summary>
    public static byte[] Pack(IReadOnlyList<long> values)
    {
        var bytes = new byte[values.Count * 8];
        for (var i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    /// <summary>A blob as the list of longs it packs.</summary>
    public static long[] Unpack(byte[] bytes)
    {
        var values = new long[bytes.Length / 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8));
        }

        return values;
    }

    /// <summary>A status as stored (X-Ray's name).</summary>
    public static string Name(RetrievalStatus status) => status.ToString().ToUpperInvariant();

    /// <summary>A stored status name as the status.</summary>
    public static RetrievalStatus Parse(string name) => Enum.Parse<RetrievalStatus>(name, ignoreCase: true);
}
