namespace Tracevault.Keys.Kms;

/// <summary>The answer of GenerateMac.</summary>
/// <param name="KeyArn">The ARN of the key used.</param>
/// <param name="Mac">The HMAC of the message.</param>
/// <param name="MacAlgorithm">The algorithm used.</param>
public sealed record MacResult(string KeyArn, byte[] Mac, string MacAlgorithm);
