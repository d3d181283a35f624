namespace Tracevault.Keys.Kms;

/// <summary>One page of a listing.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The page's items.</param>
/// <param name="NextMarker">The marker of the next page, or null on the last page.</param>
public sealed record KmsPage<T>(IReadOnlyList<T> Items, string? NextMarker)
{
    /// <summary>Whether more pages follow.</summary>
    public bool Truncated => NextMarker is not null;
}
