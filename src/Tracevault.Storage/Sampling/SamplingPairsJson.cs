using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tracevault.Storage.Sampling;

/// <summary>A rule's attributes or tags as one JSON object column, in their order, for every backend alike.</summary>
internal static class SamplingPairsJson
{
    /// <summary>Writes the pairs as a JSON object.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in pairs)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads the pairs of a JSON object written by <see cref="Write"/>.</summary>
    public static List<KeyValuePair<string, string>> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? ""))];
    }
}
