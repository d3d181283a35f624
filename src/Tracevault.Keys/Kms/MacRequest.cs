namespace Tracevault.Keys.Kms;

/// <summary>The parameters of GenerateMac, and of VerifyMac with the MAC to check.</summary>
/// <param name="KeyId">The HMAC key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="Message">The message, 1 to 4096 bytes.</param>
/// <param name="MacAlgorithm">The key's MAC algorithm (HMAC_SHA_224, _256, _384 or _512, matching its spec).</param>
public sealed record MacRequest(string KeyId, byte[] Message, string MacAlgorithm)
{
    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];

    /// <summary>When set, the call is checked (permissions, parameters, key state) but not made: it ends in DryRunOperationException.</summary>
    public bool DryRun { get; init; }
}
