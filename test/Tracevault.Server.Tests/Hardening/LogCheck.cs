using System.Text.Json;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>The log check: no line a server process wrote holds the admin's secret, root-key material or a canary planted in segments.</summary>
public static class LogCheck
{
    /// <summary>Asserts <paramref name="log"/> holds none of the secrets of <paramref name="dataDirectory"/> and no <paramref name="canary"/>.</summary>
    /// <remarks>Lines that are JSON (<c>--log-format json</c>) are also checked as decoded: the JSON encoder escapes characters a
    /// secret may hold (<c>+</c> becomes <c>\u002B</c>), so a secret could hide from a search of the raw text.</remarks>
    public static void AssertClean(string log, string dataDirectory, string canary)
    {
        Assert.False(string.IsNullOrEmpty(log), "the server wrote no log at all");
        log += "\n" + string.Join('\n', log.Split('\n').SelectMany(JsonStrings));
        var (_, secret) = DataDirectoryFiles.AdminCredentials(dataDirectory);
        Assert.True(secret.Length >= 20, "no admin secret to look for");
        Assert.DoesNotContain(secret, log);
        Assert.DoesNotContain(canary, log);
        var material = RootKeyMaterial(dataDirectory);
        Assert.NotEmpty(material);
        foreach (var key in material)
        {
            Assert.DoesNotContain(Convert.ToBase64String(key), log);
            Assert.DoesNotContain(Convert.ToHexString(key), log, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Every property name and string value of <paramref name="line"/>, decoded, when it is a JSON object; else nothing.</summary>
    private static IEnumerable<string> JsonStrings(string line)
    {
        if (!line.TrimStart().StartsWith('{'))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return [];
        }

        using (document)
        {
            var strings = new List<string>();
            Collect(document.RootElement);
            return strings;

            void Collect(JsonElement element)
            {
                switch (element.ValueKind)
                {
                    case JsonValueKind.Object:
                        foreach (var property in element.EnumerateObject())
                        {
                            strings.Add(property.Name);
                            Collect(property.Value);
                        }

                        break;
                    case JsonValueKind.Array:
                        foreach (var item in element.EnumerateArray())
                        {
                            Collect(item);
                        }

                        break;
                    case JsonValueKind.String:
                        strings.Add(element.GetString()!);
                        break;
                }
            }
        }
    }

    /// <summary>The root keys in the directory's root key file (every long base64 string value in it).</summary>
    private static List<byte[]> RootKeyMaterial(string dataDirectory)
    {
        using var file = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dataDirectory, "root.key")));
        var keys = new List<byte[]>();
        Walk(file.RootElement);
        return keys;

        void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        Walk(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
                case JsonValueKind.String when element.GetString() is { Length: >= 40 } text:
                    keys.Add(Convert.FromBase64String(text));
                    break;
            }
        }
    }
}
