namespace Tracevault.Keys.External;

/// <summary>What this node last learned about a key in the external key service, and when it asks again.</summary>
/// <param name="KeyArn">The key.</param>
/// <param name="Usable">Whether the key could be used at the last call.</param>
/// <param name="State">The key's state as the service said (<c>Enabled</c>, <c>Disabled</c>, …), or <c>Unknown</c> while the service is unreachable.</param>
/// <param name="Reason">Why the key cannot be used, in the storing status's words; null while usable.</param>
/// <param name="CheckedAt">When the service last answered about the key (or was tried).</param>
/// <param name="NextCheckAt">When the node asks again.</param>
/// <param name="Failures">Consecutive failed checks, for the backoff.</param>
public sealed record ExternalKeyStatus(string KeyArn, bool Usable, string State, string? Reason, DateTimeOffset CheckedAt, DateTimeOffset NextCheckAt, int Failures)
{
    /// <summary>The reason given while the external key service cannot be reached.</summary>
    public const string UnreachableReason = "key service unreachable";
}
