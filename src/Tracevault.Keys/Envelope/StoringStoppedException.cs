namespace Tracevault.Keys.Envelope;

/// <summary>Thrown when an account's encryption key cannot be used, so the trace store must not store its data.</summary>
/// <param name="keyArn">The key that cannot be used.</param>
/// <param name="reason">Why, in words a user can act on.</param>
public sealed class StoringStoppedException(string keyArn, string reason) : Exception($"Tracevault stopped storing data: the KMS key {keyArn} cannot be used ({reason}).")
{
    /// <summary>The key that cannot be used.</summary>
    public string KeyArn { get; } = keyArn;

    /// <summary>Why it cannot be used.</summary>
    public string Reason { get; } = reason;
}
