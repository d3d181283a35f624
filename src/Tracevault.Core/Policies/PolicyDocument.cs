using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Tracevault.Core.Policies;

/// <summary>A parsed and validated IAM-style policy document, used for identity policies, KMS key policies and grants.</summary>
/// <remarks>Instances are immutable and safe to share across threads; wildcard patterns and condition values are compiled once, when parsed.</remarks>
public sealed class PolicyDocument
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private PolicyDocument(string json, string? version, string? id, PolicyStatement[] statements)
    {
        Json = json;
        Version = version;
        Id = id;
        Statements = Array.AsReadOnly(statements);
        StatementArray = statements;
    }

    /// <summary>The original text of the document, exactly as parsed.</summary>
    public string Json { get; }

    /// <summary>The policy language version, <c>2012-10-17</c> or <c>2008-10-17</c>, or null when the document names none.</summary>
    public string? Version { get; }

    /// <summary>The document's Id element, or null when it has none.</summary>
    public string? Id { get; }

    /// <summary>The statements in document order; there is at least one.</summary>
    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>The statements as an array, for allocation-free loops during evaluation.</summary>
    internal PolicyStatement[] StatementArray { get; }

    /// <summary>Parses and validates <paramref name="json"/>, throwing <see cref="PolicyFormatException"/> that says what is wrong and where.</summary>
    public static PolicyDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException exception)
        {
            throw new PolicyFormatException(DescribeJsonError(exception), exception);
        }

        using (document)
        {
            return Read(json, document.RootElement);
        }
    }

    /// <summary>Parses and validates <paramref name="json"/>, returning false with a message that says what is wrong and where instead of throwing.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out PolicyDocument? document, [NotNullWhen(false)] out string? error)
    {
        try
        {
            document = Parse(json);
            error = null;
            return true;
        }
        catch (PolicyFormatException exception)
        {
            document = null;
            error = exception.Message;
            return false;
        }
    }

    private static PolicyDocument Read(string json, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyFormatException($"The policy must be a JSON object, not {PolicyElementReader.Describe(root.ValueKind)}.");
        }

        string? version = null;
        string? id = null;
        PolicyStatement[]? statements = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            PolicyElementReader.MarkSeen(seen, property.Name, "The policy");
            switch (property.Name)
            {
                case "Version":
                    version = PolicyElementReader.ReadString(property.Value, "Version");
                    if (version is not ("2012-10-17" or "2008-10-17"))
                    {
                        throw new PolicyFormatException($"Version must be \"2012-10-17\" or \"2008-10-17\", not \"{version}\".");
                    }

                    break;
                case "Id":
                    id = PolicyElementReader.ReadString(property.Value, "Id");
                    break;
                case "Statement":
                    statements = ReadStatements(property.Value);
                    break;
                default:
                    throw new PolicyFormatException($"The policy has the unknown element \"{property.Name}\"; a policy may have Version, Id and Statement (names are case-sensitive).");
            }
        }

        return statements is null
            ? throw new PolicyFormatException("The policy has no Statement.")
            : new PolicyDocument(json, version, id, statements);
    }

    private static PolicyStatement[] ReadStatements(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return [PolicyStatement.Parse(element, 1)];
            case JsonValueKind.Array:
                if (element.GetArrayLength() == 0)
                {
                    throw new PolicyFormatException("Statement must not be an empty array; a policy needs at least one statement.");
                }

                var statements = new PolicyStatement[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    statements[i] = PolicyStatement.Parse(item, i + 1);
                    i++;
                }

                return statements;
            default:
                throw new PolicyFormatException($"Statement must be an object or an array of objects, not {PolicyElementReader.Describe(element.ValueKind)}.");
        }
    }

    private static string DescribeJsonError(JsonException exception)
    {
        // System.Text.Json appends its own 0-based "LineNumber: 0 | BytePositionInLine: 0."; say it 1-based instead.
        var reason = exception.Message;
        var position = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (position > 0)
        {
            reason = reason[..position];
        }

        return exception.LineNumber is { } line && exception.BytePositionInLine is { } column
            ? string.Create(CultureInfo.InvariantCulture, $"The policy is not valid JSON at line {line + 1}, byte {column + 1}: {reason}")
            : $"The policy is not valid JSON: {reason}";
    }
}
