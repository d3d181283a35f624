namespace Tracevault.Keys.Kms;

/// <summary>A tag on a KMS key.</summary>
/// <param name="TagKey">The tag's key.</param>
/// <param name="TagValue">The tag's value.</param>
public sealed record KmsTag(string TagKey, string TagValue);
