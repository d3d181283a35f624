using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Tracevault.Core;

/// <summary>Checks that a JSON text can be read to the end: its syntax, its nesting, and every string and name as text.</summary>
/// <remarks>
/// <see cref="JsonDocument"/> and <see cref="Utf8JsonReader"/> accept a string holding bytes that are not UTF-8, or an escaped
/// unpaired surrogate such as <c>"\ud800"</c>, and fail only when the string is read; checking once up front keeps that
/// failure out of every reader behind. Thread-safe.
/// </remarks>
public static class WellFormedJson
{
    /// <summary>The nesting depth System.Text.Json allows by default, and the deepest any of our JSON inputs may go.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>What is wrong with <paramref name="utf8Json"/> (one JSON value, nested at most <paramref name="maxDepth"/> deep), or null when nothing is.</summary>
    public static string? FindProblem(ReadOnlySpan<byte> utf8Json, int maxDepth = DefaultMaxDepth)
    {
        if (!Utf8.IsValid(utf8Json))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the text is not valid UTF-8 at byte {InvalidUtf8Offset(utf8Json)}");
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = maxDepth });
        byte[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    // Unescaping is what finds an unpaired surrogate; the raw bytes were checked above.
                    var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                    if (scratch is null || scratch.Length < length)
                    {
                        if (scratch is not null)
                        {
                            ArrayPool<byte>.Shared.Return(scratch);
                        }

                        scratch = ArrayPool<byte>.Shared.Rent(length);
                    }

                    reader.CopyString(scratch);
                }
            }

            return null;
        }
        catch (JsonException exception)
        {
            return exception.Message;
        }
        catch (InvalidOperationException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the string at byte {reader.TokenStartIndex} has an escape that is not valid UTF-16 (an unpaired surrogate)");
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    private static int InvalidUtf8Offset(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }
}
