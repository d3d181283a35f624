namespace Tracevault.Keys.Kms;

/// <summary>Raised after a key's state, policy, rotation or grants changed.</summary>
/// <param name="keyArn">The key's ARN.</param>
/// <param name="generation">The key service's change generation after the change.</param>
public sealed class KeyChangedEventArgs(string keyArn, long generation) : EventArgs
{
    /// <summary>The key's ARN.</summary>
    public string KeyArn { get; } = keyArn;

    /// <summary>The key service's change generation after the change.</summary>
    public long Generation { get; } = generation;
}
