namespace Tracevault.Keys.Kms;

/// <summary>A KMS error with its AWS error name and message, as the KMS protocol answers it.</summary>
/// <param name="code">The AWS error shape's name, e.g. <c>NotFoundException</c>.</param>
/// <param name="message">The message, worded as AWS KMS words it; never holds key material or plaintext.</param>
public sealed class KmsException(string code, string message) : Exception(message)
{
    /// <summary>The AWS error shape's name.</summary>
    public string Code { get; } = code;
}
