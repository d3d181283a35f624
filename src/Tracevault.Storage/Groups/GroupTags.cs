using System.Text.Json;

namespace Tracevault.Storage.Groups;

/// <summary>A group's tags as every backend stores them: one JSON array of <c>[key, value]</c> pairs, in order.</summary>
internal static class GroupTags
{
    /// <summary>The tags as stored.</summary>
    public static string Write(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (key, value) in tags)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(key);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The tags read back.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Read(string stored)
    {
        using var document = JsonDocument.Parse(stored);
        return [.. document.RootElement.EnumerateArray().Select(pair => KeyValuePair.Create(pair[0].GetString()!, pair[1].GetString()!))];
    }
}
