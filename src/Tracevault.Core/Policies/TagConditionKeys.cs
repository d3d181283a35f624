namespace Tracevault.Core.Policies;

/// <summary>The IAM condition keys of tag-based access control: <c>aws:ResourceTag/KEY</c>, <c>aws:RequestTag/KEY</c> and <c>aws:TagKeys</c>.</summary>
/// <remarks>
/// As in IAM, the tag key inside <c>aws:ResourceTag/KEY</c> and <c>aws:RequestTag/KEY</c> is matched without regard to case (every
/// condition key is), while the values, and the keys listed by the multivalued <c>aws:TagKeys</c>, keep their case.
/// </remarks>
public static class TagConditionKeys
{
    /// <summary>The prefix of the keys holding the tags of the resource acted on.</summary>
    public const string ResourceTagPrefix = "aws:ResourceTag/";

    /// <summary>The prefix of the keys holding the tags a request sets.</summary>
    public const string RequestTagPrefix = "aws:RequestTag/";

    /// <summary>The multivalued key holding the tag keys a request sets or removes.</summary>
    public const string TagKeys = "aws:TagKeys";

    /// <summary>A condition context for a request on a resource tagged <paramref name="resourceTags"/> that sets <paramref name="requestTags"/> and names <paramref name="tagKeys"/>; absent or empty parts leave their keys out.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Context(
        IEnumerable<KeyValuePair<string, string>>? resourceTags,
        IEnumerable<KeyValuePair<string, string>>? requestTags = null,
        IEnumerable<string>? tagKeys = null)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        Add(context, ResourceTagPrefix, resourceTags);
        Add(context, RequestTagPrefix, requestTags);
        var keys = tagKeys?.Distinct(StringComparer.Ordinal).ToList();
        if (keys is { Count: > 0 })
        {
            context[TagKeys] = keys;
        }

        return context;
    }

    private static void Add(Dictionary<string, IReadOnlyList<string>> context, string prefix, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        foreach (var (key, value) in tags ?? [])
        {
            // Tags "Team" and "team" are two tags but one condition key: the key then holds both values.
            var name = prefix + key;
            context[name] = context.TryGetValue(name, out var values) ? [.. values, value] : [value];
        }
    }
}
