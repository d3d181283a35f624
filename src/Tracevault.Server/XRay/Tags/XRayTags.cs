using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tracevault.Server.Http;

namespace Tracevault.Server.XRay.Tags;

/// <summary>
/// The tags of X-Ray groups and sampling rules as AWS defines them, read and checked in one place for <c>CreateGroup</c>,
/// <c>CreateSamplingRule</c>, <c>TagResource</c> and <c>UntagResource</c> alike.
/// </summary>
public static partial class XRayTags
{
    /// <summary>How many tags a group or a sampling rule may carry: 50, AWS's limit of user tags per resource.</summary>
    public const int MaxTags = 50;

    /// <summary>How many tags (or tag keys) one request may list: 200, the model's <c>TagList</c> and <c>TagKeyList</c>.</summary>
    public const int MaxListed = 200;

    /// <summary>Reads a request's list of <c>{Key, Value}</c> tags, checked as AWS checks them; absent or null is an empty list.</summary>
    /// <param name="root">The request object.</param>
    /// <param name="member">The member holding the list, <c>Tags</c>.</param>
    /// <param name="atMost">How many tags the list may hold: <see cref="MaxTags"/> when it becomes a new resource's, <see cref="MaxListed"/> when it is added to one.</param>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> naming what is wrong.</exception>
    public static List<KeyValuePair<string, string>> ReadTags(JsonElement root, string member, int atMost)
    {
        if (!root.TryGetProperty(member, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxListed)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{member} must be a list of at most {MaxListed} tags, each {{Key, Value}}."));
        }

        var tags = new List<KeyValuePair<string, string>>(list.GetArrayLength());
        foreach (var tag in list.EnumerateArray())
        {
            if (tag.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("Each tag must be an object with a Key and a Value.");
            }

            var key = Text(tag, "Key") ?? throw Invalid("Each tag needs a Key.");
            var value = Text(tag, "Value") ?? throw Invalid($"The tag '{key}' needs a Value.");
            tags.Add(KeyValuePair.Create(key, value));
        }

        Check(tags, atMost);
        return tags;
    }

    /// <summary>Reads a request's list of tag keys, as <c>UntagResource</c> names the tags to remove.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> naming what is wrong.</exception>
    public static List<string> ReadTagKeys(JsonElement root, string member)
    {
        if (!root.TryGetProperty(member, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"{member} is required.");
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxListed)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{member} must be a list of at most {MaxListed} tag keys."));
        }

        var keys = new List<string>(list.GetArrayLength());
        foreach (var element in list.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: >= 1 and <= 128 } key)
            {
                throw Invalid($"Each of {member} must be a tag key of 1 to 128 characters.");
            }

            if (IsReserved(key))
            {
                throw Invalid($"Tag key '{key}' is not valid: the prefix 'aws:' is reserved for AWS use, and system tags cannot be removed.");
            }

            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Checks tags as AWS does: at most <paramref name="atMost"/>, keys of 1 to 128 and values of up to 256 letters, digits, spaces or <c>_ . : / = + - @</c>, keys unique and not starting with <c>aws:</c>.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> naming the first problem.</exception>
    public static void Check(IReadOnlyList<KeyValuePair<string, string>> tags, int atMost = MaxTags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count > atMost)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"A group or sampling rule can have at most {atMost} tags; {tags.Count} were given."));
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (key is not { Length: >= 1 and <= 128 } || !TagText().IsMatch(key))
            {
                throw Invalid($"Tag key '{key}' is not valid: 1 to 128 Unicode letters, digits, spaces or + - = . _ : / @.");
            }

            if (value is not { Length: <= 256 } || !TagText().IsMatch(value))
            {
                throw Invalid($"The value of tag '{key}' is not valid: up to 256 Unicode letters, digits, spaces or + - = . _ : / @.");
            }

            if (IsReserved(key))
            {
                throw Invalid($"Tag key '{key}' is not valid: the prefix 'aws:' is reserved for AWS use.");
            }

            if (!keys.Add(key))
            {
                throw Invalid($"Tag key '{key}' is given more than once.");
            }
        }
    }

    /// <summary>Whether a tag key is one of AWS's system tags, <c>aws:</c> in any case.</summary>
    public static bool IsReserved(string key) => key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase);

    private static string? Text(JsonElement tag, string member) =>
        !tag.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null ? null
        : element.ValueKind == JsonValueKind.String ? element.GetString()
        : throw Invalid($"Each tag's {member} must be a string.");

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagText();
}
