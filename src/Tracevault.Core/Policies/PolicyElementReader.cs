using System.Text.Json;

namespace Tracevault.Core.Policies;

/// <summary>Reads the value shapes the policy grammar shares between elements, throwing <see cref="PolicyFormatException"/> that names the element.</summary>
internal static class PolicyElementReader
{
    /// <summary>Reads a non-empty string, or a non-empty array of non-empty strings, from the element named by <paramref name="where"/>.</summary>
    public static string[] ReadStrings(JsonElement element, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return [ReadNonEmptyString(element, where)];
            case JsonValueKind.Array:
                if (element.GetArrayLength() == 0)
                {
                    throw new PolicyFormatException($"{where} must not be an empty array.");
                }

                var values = new string[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw new PolicyFormatException($"{where} must contain only strings, not {Describe(item.ValueKind)}.");
                    }

                    values[i++] = ReadNonEmptyString(item, where);
                }

                return values;
            default:
                throw new PolicyFormatException($"{where} must be a string or an array of strings, not {Describe(element.ValueKind)}.");
        }
    }

    /// <summary>Reads a condition's values: a string, number or boolean, or a non-empty array of them, each as its text.</summary>
    public static string[] ReadConditionValues(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return [ReadConditionValue(element, where)];
        }

        if (element.GetArrayLength() == 0)
        {
            throw new PolicyFormatException($"{where} must not be an empty array.");
        }

        var values = new string[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            values[i++] = ReadConditionValue(item, where);
        }

        return values;
    }

    /// <summary>Reads an optional string element, throwing when it is present but not a string.</summary>
    public static string ReadString(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw new PolicyFormatException($"{where} must be a string, not {Describe(element.ValueKind)}.");

    /// <summary>Records that the element <paramref name="name"/> was seen in an object, throwing when it was seen before.</summary>
    public static void MarkSeen(HashSet<string> seen, string name, string where)
    {
        if (!seen.Add(name))
        {
            // JSON parsers disagree on which duplicate wins; a policy must not depend on it.
            throw new PolicyFormatException($"{where} has the element \"{name}\" more than once.");
        }
    }

    /// <summary>Describes a JSON value kind for an error message, such as "a number" or "null".</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string ReadNonEmptyString(JsonElement element, string where)
    {
        var value = element.GetString()!;
        return value.Length > 0 ? value : throw new PolicyFormatException($"{where} must not contain an empty string.");
    }

    private static string ReadConditionValue(JsonElement element, string where) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new PolicyFormatException($"{where} must be a string, number or boolean, or an array of them, not {Describe(element.ValueKind)}."),
    };
}
