namespace Tracevault.Core.Traces;

/// <summary>The HTTP request and response a segment recorded (the model's <c>Http</c> for a summary).</summary>
/// <param name="HttpUrl">The request URL.</param>
/// <param name="HttpStatus">The response status.</param>
/// <param name="HttpMethod">The request method.</param>
/// <param name="UserAgent">The request's user agent.</param>
/// <param name="ClientIp">The requester's IP address.</param>
public sealed record TraceHttp(string? HttpUrl, int? HttpStatus, string? HttpMethod, string? UserAgent, string? ClientIp)
{
    /// <summary>Whether the segment recorded nothing about HTTP.</summary>
    public bool IsEmpty => HttpUrl is null && HttpStatus is null && HttpMethod is null && UserAgent is null && ClientIp is null;
}
