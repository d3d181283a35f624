namespace Tracevault.Storage.Tagging;

/// <summary>What became of a <see cref="TagChange"/>.</summary>
public enum TagChangeOutcome
{
    /// <summary>The resource's tags are now as the change asked.</summary>
    Changed,

    /// <summary>There is no such resource; nothing changed.</summary>
    NotFound,

    /// <summary>The resource would hold more tags than it may; nothing changed.</summary>
    TooManyTags,
}
