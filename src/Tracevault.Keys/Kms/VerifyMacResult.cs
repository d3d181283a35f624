namespace Tracevault.Keys.Kms;

/// <summary>The answer of VerifyMac; a MAC that does not match is KMSInvalidMacException instead.</summary>
/// <param name="KeyArn">The ARN of the key used.</param>
/// <param name="MacValid">Whether the MAC is valid: always true here.</param>
/// <param name="MacAlgorithm">The algorithm used.</param>
public sealed record VerifyMacResult(string KeyArn, bool MacValid, string MacAlgorithm);
