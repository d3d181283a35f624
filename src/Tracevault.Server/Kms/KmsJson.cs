using System.Text.Json;
using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

/// <summary>Reads KMS request members and writes KMS response shapes, with the model's exact PascalCase names.</summary>
internal static class KmsJson
{
    public static string? String(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Serialization(name, "a string")
        : null;

    public static string RequiredString(JsonElement root, string name) =>
        String(root, name) ?? throw new KmsException("ValidationException", $"1 validation error detected: Value null at '{LowerCamel(name)}' failed to satisfy constraint: Member must not be null");

    public static int? Int(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Serialization(name, "an integer");
        }

        if (value.TryGetInt32(out var number))
        {
            return number;
        }

        // A whole number too large for the member is a value out of range; a fraction is not an integer at all.
        var whole = value.TryGetDouble(out var real) && (double.IsInfinity(real) || Math.Floor(real) == real);
        return whole
            ? throw KmsErrors.Validation(LowerCamel(name), Quote(value.GetRawText()), "Member must have value between -2147483648 and 2147483647")
            : throw Serialization(name, "an integer");
    }

    /// <summary>A request value as a validation message quotes it, cut short when long.</summary>
    private static string Quote(string raw) => $"'{(raw.Length > 40 ? raw[..40] + "…" : raw)}'";

    public static bool Bool(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw Serialization(name, "a boolean"),
    };

    public static byte[]? Blob(JsonElement root, string name)
    {
        var text = String(root, name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ApiException("SerializationException", $"{name} is not valid base64.");
        }
    }

    /// <summary>A timestamp member: epoch seconds (what the AWS SDKs send in JSON 1.1), fractions allowed.</summary>
    public static DateTimeOffset? Date(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds) || Math.Abs(seconds) > 253_402_300_799)
        {
            throw Serialization(name, "a timestamp (epoch seconds)");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
    }

    public static IReadOnlyDictionary<string, string> Context(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return EncryptionContext.Empty;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Serialization(name, "a map of strings");
        }

        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in value.EnumerateObject())
        {
            context[pair.Name] = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()! : throw Serialization(name, "a map of strings");
        }

        return context;
    }

    public static IReadOnlyList<string> Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Serialization(name, "a list of strings");
        }

        return value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Serialization(name, "a list of strings")).ToList();
    }

    public static IReadOnlyList<KmsTag> Tags(JsonElement root)
    {
        if (!root.TryGetProperty("Tags", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Serialization("Tags", "a list of tags");
        }

        return value.EnumerateArray().Select(tag => tag.ValueKind == JsonValueKind.Object
            ? new KmsTag(RequiredString(tag, "TagKey"), String(tag, "TagValue") ?? "")
            : throw Serialization("Tags", "a list of tags")).ToList();
    }

    public static GrantConstraints? Constraints(JsonElement root)
    {
        if (!root.TryGetProperty("Constraints", out var value) || value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var equals = value.TryGetProperty("EncryptionContextEquals", out _) ? Context(value, "EncryptionContextEquals") : null;
        var subset = value.TryGetProperty("EncryptionContextSubset", out _) ? Context(value, "EncryptionContextSubset") : null;
        return equals is null && subset is null ? null : new GrantConstraints(equals, subset);
    }

    public static void Epoch(Utf8JsonWriter writer, string name, DateTimeOffset time) => writer.WriteNumber(name, time.ToUnixTimeMilliseconds() / 1000.0);

    public static void StringArray(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    public static void Context(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string> context)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in context)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    public static void Metadata(Utf8JsonWriter writer, KmsKey key)
    {
        writer.WriteStartObject("KeyMetadata");
        writer.WriteString("AWSAccountId", key.AccountId);
        writer.WriteString("KeyId", key.KeyId);
        writer.WriteString("Arn", key.Arn);
        Epoch(writer, "CreationDate", key.CreationDate);
        writer.WriteBoolean("Enabled", key.State == KeyState.Enabled);
        writer.WriteString("Description", key.Description);
        writer.WriteString("KeyUsage", key.KeyUsage);
        writer.WriteString("KeyState", key.State.ToString());
        if (key.State == KeyState.PendingDeletion && key.DeletionDate is { } deletion)
        {
            Epoch(writer, "DeletionDate", deletion);
            writer.WriteNumber("PendingDeletionWindowInDays", key.PendingWindowInDays ?? 30);
        }

        writer.WriteString("Origin", key.Origin);
        if (key.ExpirationModel is not null)
        {
            writer.WriteString("ExpirationModel", key.ExpirationModel);
        }

        if (key.ValidTo is { } validTo)
        {
            Epoch(writer, "ValidTo", validTo);
        }

        writer.WriteString("KeyManager", key.KeyManager);
        writer.WriteString("CustomerMasterKeySpec", key.KeySpec);
        writer.WriteString("KeySpec", key.KeySpec);
        var encryption = KeySpecs.EncryptionAlgorithms(key);
        if (encryption.Count > 0)
        {
            StringArray(writer, "EncryptionAlgorithms", encryption);
        }

        var signing = KeySpecs.SigningAlgorithms(key);
        if (signing.Count > 0)
        {
            StringArray(writer, "SigningAlgorithms", signing);
        }

        var mac = KeySpecs.MacAlgorithms(key);
        if (mac.Count > 0)
        {
            StringArray(writer, "MacAlgorithms", mac);
        }

        var agreement = KeySpecs.KeyAgreementAlgorithms(key);
        if (agreement.Count > 0)
        {
            StringArray(writer, "KeyAgreementAlgorithms", agreement);
        }

        writer.WriteBoolean("MultiRegion", false);
        if (key.IsSymmetric)
        {
            writer.WriteString("CurrentKeyMaterialId", KeyService.KeyMaterialId(key.Arn, key.CurrentVersion));
        }

        writer.WriteEndObject();
    }

    public static void Paging<T>(Utf8JsonWriter writer, KmsPage<T> page)
    {
        if (page.NextMarker is not null)
        {
            writer.WriteString("NextMarker", page.NextMarker);
        }

        writer.WriteBoolean("Truncated", page.Truncated);
    }

    private static ApiException Serialization(string name, string expected) => new("SerializationException", $"{name} must be {expected}.");

    private static string LowerCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
