using System.Security.Cryptography;

namespace Tracevault.Storage.Traces;

/// <summary>
/// SQLite's chunk ids (<see cref="Sqlite.SqliteTraceStore"/>): the time in milliseconds (high bits), then 22 random bits. They increase within an opening of the store, so a new chunk is
/// appended at the end of the table rather than anywhere in it; the random bits keep openings that start in the same
/// millisecond apart. Thread-safe.
/// </summary>
internal sealed class ChunkIds(TimeProvider time)
{
    private const int RandomBits = 22;

    private long _last;

    /// <summary>A new id, positive and greater than every id this instance gave before.</summary>
    public long Next()
    {
        var candidate = (time.GetUtcNow().ToUnixTimeMilliseconds() << RandomBits) + RandomNumberGenerator.GetInt32(1 << RandomBits);
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(candidate, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
