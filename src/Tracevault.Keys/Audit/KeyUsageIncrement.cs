namespace Tracevault.Keys.Audit;

/// <summary>One request to count against a key, kept with the audit record of the call.</summary>
/// <param name="AccountId">The key's owner account.</param>
/// <param name="KeyArn">The key.</param>
/// <param name="Month">The month, <c>yyyy-MM</c> in UTC.</param>
/// <param name="Operation">The operation, e.g. <c>Decrypt</c>.</param>
public sealed record KeyUsageIncrement(string AccountId, string KeyArn, string Month, string Operation)
{
    /// <summary>The keys this call was the most recent successful cryptographic use of (none when it failed or was no such operation).</summary>
    public IReadOnlyList<KeyLastUse> LastUses { get; init; } = [];
}
