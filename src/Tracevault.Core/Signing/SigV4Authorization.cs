namespace Tracevault.Core.Signing;

/// <summary>The authentication information of a request, read from its Authorization header or its presigned query string.</summary>
/// <param name="Credential">The credential scope the client signed with.</param>
/// <param name="SignedHeaders">The header names the client signed, as listed.</param>
/// <param name="Signature">The signature the client sent, 64 lowercase hex digits.</param>
/// <param name="RequestTime">The signing time from <c>X-Amz-Date</c> (or the <c>Date</c> header).</param>
/// <param name="Expires">How long a presigned request stays valid; null for header authentication.</param>
/// <param name="SecurityToken">The session token sent with the request, signed or not.</param>
internal sealed record SigV4Authorization(
    CredentialScope Credential,
    IReadOnlyList<string> SignedHeaders,
    string Signature,
    DateTimeOffset RequestTime,
    TimeSpan? Expires,
    string? SecurityToken);
