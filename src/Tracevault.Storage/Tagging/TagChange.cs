namespace Tracevault.Storage.Tagging;

/// <summary>A change to a resource's tags, decided by the store against the tags it holds at that moment.</summary>
/// <param name="Set">Tags to add; a key the resource has already gets the new value, in its place.</param>
/// <param name="Remove">Keys to remove; a key the resource lacks is ignored.</param>
/// <param name="MaxTags">How many tags the resource may hold after the change.</param>
public sealed record TagChange(IReadOnlyList<KeyValuePair<string, string>> Set, IReadOnlyList<string> Remove, int MaxTags)
{
    /// <summary>The tags <paramref name="current"/> become, or null when they would be more than <see cref="MaxTags"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? ApplyTo(IReadOnlyList<KeyValuePair<string, string>> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var removed = Remove.ToHashSet(StringComparer.Ordinal);
        var result = current.Where(t => !removed.Contains(t.Key)).ToList();
        foreach (var tag in Set)
        {
            var at = result.FindIndex(t => t.Key == tag.Key);
            if (at >= 0)
            {
                result[at] = tag;
            }
            else
            {
                result.Add(tag);
            }
        }

        return result.Count > MaxTags ? null : result;
    }
}
