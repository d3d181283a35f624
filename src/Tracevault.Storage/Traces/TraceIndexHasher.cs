using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Storage.Traces;

/// <summary>The blind index: a keyed hash of a trace id, so chunks can be found by trace id without storing the id.</summary>
public static class TraceIndexHasher
{
    private const int MaxTraceIdBytes = 64;

    /// <summary>The first 8 bytes of HMAC-SHA256(indexKey, traceId), as a signed 64-bit number.</summary>
    public static long Hash(ReadOnlySpan<byte> indexKey, string traceId)
    {
        Span<byte> id = stackalloc byte[MaxTraceIdBytes];
        var length = Ascii(traceId, id);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(indexKey, id[..length], mac);
        return BinaryPrimitives.ReadInt64LittleEndian(mac);
    }

    /// <summary><see cref="Hash"/> of each trace id, in order, with one keyed HMAC reused for all of them.</summary>
    public static long[] HashAll(byte[] indexKey, IReadOnlyCollection<string> traceIds)
    {
        var hashes = new long[traceIds.Count];
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, indexKey);
        Span<byte> id = stackalloc byte[MaxTraceIdBytes];
        Span<byte> mac = stackalloc byte[32];
        var i = 0;
        foreach (var traceId in traceIds)
        {
            hmac.AppendData(id[..Ascii(traceId, id)]);
            hmac.GetHashAndReset(mac);
            hashes[i++] = BinaryPrimitives.ReadInt64LittleEndian(mac);
        }

        return hashes;
    }

    private static int Ascii(string traceId, Span<byte> destination) =>
        Encoding.ASCII.GetBytes(traceId.AsSpan(0, Math.Min(traceId.Length, MaxTraceIdBytes)), destination);
}
