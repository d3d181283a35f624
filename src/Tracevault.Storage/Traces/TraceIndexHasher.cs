using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Storage.Traces;

/// <summary>The blind index: a keyed hash of a trace id, so chunks can be found by trace id without storing the id.</summary>
public static class TraceIndexHasher
{
    /// <summary>The first 8 bytes of HMAC-SHA256(indexKey, traceId), as a signed 64-bit number.</summary>
    public static long Hash(ReadOnlySpan<byte> indexKey, string traceId)
    {
        Span<byte> id = stackalloc byte[64];
        var length = Encoding.ASCII.GetBytes(traceId.AsSpan(0, Math.Min(traceId.Length, 64)), id);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(indexKey, id[..length], mac);
        return BinaryPrimitives.ReadInt64LittleEndian(mac);
    }
}
