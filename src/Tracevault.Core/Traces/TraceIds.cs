namespace Tracevault.Core.Traces;

/// <summary>The formats of X-Ray trace ids (<c>1-5759e988-bd862e3fe1be46a994272793</c>) and segment ids (16 hex digits).</summary>
public static class TraceIds
{
    /// <summary>The length of a trace id: <c>1-</c>, 8 hex digits of epoch seconds, <c>-</c>, 24 hex digits.</summary>
    public const int TraceIdLength = 35;

    /// <summary>The length of a segment or subsegment id.</summary>
    public const int SegmentIdLength = 16;

    /// <summary>Whether <paramref name="value"/> is a well-formed trace id, in either letter case.</summary>
    public static bool IsTraceId(ReadOnlySpan<char> value) =>
        value.Length == TraceIdLength
        && value[0] == '1' && value[1] == '-' && value[10] == '-'
        && IsHex(value.Slice(2, 8)) && IsHex(value.Slice(11, 24));

    /// <summary>Whether <paramref name="value"/> is a well-formed segment id (16 hex digits), in either letter case.</summary>
    public static bool IsSegmentId(ReadOnlySpan<char> value) => value.Length == SegmentIdLength && IsHex(value);

    /// <summary>Reads the time embedded in a well-formed trace id.</summary>
    public static bool TryGetTraceIdTime(ReadOnlySpan<char> traceId, out DateTimeOffset time)
    {
        time = default;
        if (!IsTraceId(traceId))
        {
            return false;
        }

        long seconds = 0;
        foreach (var c in traceId.Slice(2, 8))
        {
            seconds = (seconds << 4) | (long)HexValue(c);
        }

        time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>The time a trace id carries, in epoch seconds; 0 when it is not a well-formed trace id.</summary>
    public static long EpochSeconds(string traceId) =>
        TryGetTraceIdTime(traceId, out var time) ? time.ToUnixTimeSeconds() : 0;

    /// <summary>The id in lowercase, returning the same instance when it already is.</summary>
    public static string Normalize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var c in id)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return id.ToLowerInvariant();
            }
        }

        return id;
    }

    private static bool IsHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => c - 'A' + 10,
    };
}
