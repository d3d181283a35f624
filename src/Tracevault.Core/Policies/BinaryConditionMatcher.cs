namespace Tracevault.Core.Policies;

/// <summary>Byte-for-byte comparison of base64-encoded values, for the BinaryEquals operator.</summary>
internal sealed class BinaryConditionMatcher : ConditionValueMatcher
{
    private const int StackBufferLength = 256;

    private readonly byte[][] _values;

    private BinaryConditionMatcher(byte[][] values)
    {
        _values = values;
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not base64.</summary>
    public static BinaryConditionMatcher Create(IReadOnlyList<string> values, string where)
    {
        var decoded = new byte[values.Count][];
        for (var i = 0; i < values.Count; i++)
        {
            var buffer = new byte[MaxDecodedLength(values[i])];
            if (!Convert.TryFromBase64String(values[i], buffer, out var written))
            {
                throw new PolicyFormatException($"{where}: \"{values[i]}\" is not base64.");
            }

            decoded[i] = buffer[..written];
        }

        return new BinaryConditionMatcher(decoded);
    }

    /// <inheritdoc/>
    public override bool Matches(string value)
    {
        var length = MaxDecodedLength(value);
        Span<byte> buffer = length <= StackBufferLength ? stackalloc byte[StackBufferLength] : new byte[length];
        if (!Convert.TryFromBase64String(value, buffer, out var written))
        {
            return false;
        }

        var requestBytes = buffer[..written];
        foreach (var candidate in _values)
        {
            if (requestBytes.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static int MaxDecodedLength(string base64) => ((base64.Length + 3) / 4) * 3;
}
