using Tracevault.Core.Identity;

namespace Tracevault.Server.Console;

/// <summary>A signed-in console user, as one request found the session: who they are, the token their forms must carry, and when the session ends unless used.</summary>
/// <remarks>Immutable: each request reads the session again from the store (<see cref="ConsoleSessions.Find"/>).</remarks>
public sealed class ConsoleSession
{
    internal ConsoleSession(string id, Caller caller, string csrfToken, DateTimeOffset expiresAt)
    {
        Id = id;
        Caller = caller;
        CsrfToken = csrfToken;
        ExpiresAt = expiresAt;
    }

    /// <summary>The session token the cookie carries: 256 random bits, base64url (the store keeps only its SHA-256).</summary>
    public string Id { get; }

    /// <summary>The user the console acts as, with the policies it has at this request.</summary>
    public Caller Caller { get; }

    /// <summary>The token every form post of this session must carry.</summary>
    public string CsrfToken { get; }

    /// <summary>When the session ends unless a request extends it.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The caller for one request: the signed-in user, with that request's source address and user agent for audit records.</summary>
    public Caller CallerFor(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Caller with
        {
            SourceIp = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
            UserAgent = context.Request.Headers.UserAgent.ToString(),
        };
    }
}
