using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Traces;

namespace Tracevault.Storage.Traces;

/// <summary>
/// The blind index: a key per trace id, so chunks can be found by trace id without storing the id. The key is the hour of the
/// trace id's time (high bits) and 40 bits of HMAC-SHA256(indexKey, traceId) (low bits): an hour's keys sit together, so
/// writing touches the newest part of the index only and retention removes whole hours as one range. A trace whose id carries no
/// time (a W3C id, <see cref="TraceDates"/>) has an undated key instead: negative, 63 bits of the HMAC, kept beside its chunk
/// and removed with it. A lookup, knowing only the id, asks for both keys (<see cref="Keys"/>).
/// </summary>
/// <remarks>
/// 40 bits keep a false match rare (a million traces in an hour make one in a million lookups load one chunk too many; the
/// trace id is checked in the opened chunk anyway). The hour is no secret: the chunk's plaintext time range tells as much.
/// </remarks>
public static class TraceIndexHasher
{
    /// <summary>The bits of the HMAC a key keeps.</summary>
    public const int HashBits = 40;

    private const int MaxTraceIdBytes = 64;
    private const long HashMask = (1L << HashBits) - 1;

    /// <summary>The blind-index key of a trace id (for an id that is not well formed, hour 0, which nothing is stored under).</summary>
    public static long Hash(ReadOnlySpan<byte> indexKey, string traceId)
    {
        Span<byte> id = stackalloc byte[MaxTraceIdBytes];
        var length = Ascii(traceId, id);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(indexKey, id[..length], mac);
        return Key(traceId, mac);
    }

    /// <summary>The keys a trace id may be stored under: its dated key (<see cref="Hash"/>) and its undated key (negative).</summary>
    public static (long Dated, long Undated) Keys(ReadOnlySpan<byte> indexKey, string traceId)
    {
        Span<byte> id = stackalloc byte[MaxTraceIdBytes];
        var length = Ascii(traceId, id);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(indexKey, id[..length], mac);
        return (Key(traceId, mac), UndatedKey(mac));
    }

    /// <summary>Whether a key is an undated one (of a trace whose id carries no time).</summary>
    public static bool IsUndated(long key) => key < 0;

    /// <summary><see cref="Hash"/> of each trace id, in order, with one keyed HMAC reused for all of them.</summary>
    public static long[] HashAll(byte[] indexKey, IReadOnlyCollection<string> traceIds) => HashAll(indexKey, traceIds, static _ => true);

    /// <summary>The key of each trace id, in order: its dated key when <paramref name="isIdDated"/> says its id carries its time, else its undated key.</summary>
    public static long[] HashAll(byte[] indexKey, IReadOnlyCollection<string> traceIds, Func<string, bool> isIdDated)
    {
        ArgumentNullException.ThrowIfNull(isIdDated);
        var hashes = new long[traceIds.Count];
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, indexKey);
        Span<byte> id = stackalloc byte[MaxTraceIdBytes];
        Span<byte> mac = stackalloc byte[32];
        var i = 0;
        foreach (var traceId in traceIds)
        {
            hmac.AppendData(id[..Ascii(traceId, id)]);
            hmac.GetHashAndReset(mac);
            hashes[i++] = isIdDated(traceId) ? Key(traceId, mac) : UndatedKey(mac);
        }

        return hashes;
    }

    /// <summary>The smallest key of the traces dated in or after the hour that holds <paramref name="epochSeconds"/>.</summary>
    public static long FirstKeyOfHour(long epochSeconds) => epochSeconds / 3600 << HashBits;

    private static long Key(string traceId, ReadOnlySpan<byte> mac) =>
        FirstKeyOfHour(TraceIds.EpochSeconds(traceId)) | (BinaryPrimitives.ReadInt64LittleEndian(mac) & HashMask);

    private static long UndatedKey(ReadOnlySpan<byte> mac) => -1 - (BinaryPrimitives.ReadInt64LittleEndian(mac) & long.MaxValue);

    private static int Ascii(string traceId, Span<byte> destination) =>
        Encoding.ASCII.GetBytes(traceId.AsSpan(0, Math.Min(traceId.Length, MaxTraceIdBytes)), destination);
}
