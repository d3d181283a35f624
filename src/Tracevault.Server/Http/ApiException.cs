namespace Tracevault.Server.Http;

/// <summary>An error answered to a client in its protocol's envelope: an AWS error name, a message and a status.</summary>
/// <param name="code">The error shape's name, e.g. <c>NotFoundException</c>.</param>
/// <param name="message">The message; never holds secrets, key material or payloads.</param>
/// <param name="statusCode">The HTTP status. Default 400.</param>
public sealed class ApiException(string code, string message, int statusCode = 400) : Exception(message)
{
    /// <summary>The error shape's name.</summary>
    public string Code { get; } = code;

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; } = statusCode;
}
