namespace Tracevault.Core.Signing;

/// <summary>The outcome of verifying a Signature Version 4 request.</summary>
/// <remarks>
/// <see cref="AccessKeyId"/> and <see cref="SecurityToken"/> are filled in as soon as they could be read, also on failure, so the host
/// can audit a rejected call; only <see cref="Succeeded"/> says that they are authenticated. No secret or signing key is ever included.
/// </remarks>
/// <param name="Failure">Why verification failed, or <see cref="SignatureFailure.None"/>.</param>
/// <param name="Message">The AWS-style error message for the client; empty on success.</param>
/// <param name="AccessKeyId">The access key id from the credential scope, when it could be read.</param>
/// <param name="SecurityToken">The <c>X-Amz-Security-Token</c> sent with the request (signed or not), when present.</param>
public sealed record SignatureVerification(SignatureFailure Failure, string Message, string? AccessKeyId, string? SecurityToken)
{
    /// <summary>Gets a value indicating whether the signature is valid.</summary>
    public bool Succeeded => Failure == SignatureFailure.None;

    /// <summary>Gets a value indicating whether the client declared <c>UNSIGNED-PAYLOAD</c>, so the body is not covered by the signature.</summary>
    public bool PayloadUnsigned { get; init; }
}
