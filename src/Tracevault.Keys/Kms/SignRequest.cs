namespace Tracevault.Keys.Kms;

/// <summary>The parameters of Sign.</summary>
/// <param name="KeyId">The key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="Message">The message (RAW, 1 to 4096 bytes) or its digest (DIGEST).</param>
/// <param name="SigningAlgorithm">One of the key's signing algorithms.</param>
public sealed record SignRequest(string KeyId, byte[] Message, string SigningAlgorithm)
{
    /// <summary>RAW or DIGEST; RAW when null.</summary>
    public string? MessageType { get; init; }

    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];

    /// <summary>When set, the call is checked (permissions, parameters, key state) but not made: it ends in DryRunOperationException.</summary>
    public bool DryRun { get; init; }
}
