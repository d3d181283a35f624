namespace Tracevault.Core.Signing;

/// <summary>Why a Signature Version 4 verification failed; the host maps each value to an AWS error name.</summary>
public enum SignatureFailure
{
    /// <summary>The signature is valid.</summary>
    None,

    /// <summary>The request carries neither an Authorization header nor query-string authentication (<c>MissingAuthenticationTokenException</c>).</summary>
    MissingAuthenticationToken,

    /// <summary>The authentication information is malformed or lacks a part (<c>IncompleteSignatureException</c>).</summary>
    IncompleteSignature,

    /// <summary>The access key id is unknown (<c>UnrecognizedClientException</c>).</summary>
    UnrecognizedClient,

    /// <summary>The signature does not match the request (<c>InvalidSignatureException</c>).</summary>
    InvalidSignature,

    /// <summary>The request time lies outside the allowed skew or the presigned URL has expired (surfaces as <c>InvalidSignatureException</c>).</summary>
    SignatureExpired,

    /// <summary>The credential scope names another date, region, service or terminator (surfaces as <c>InvalidSignatureException</c>).</summary>
    InvalidScope,
}
