using Tracevault.Core.Identity;

namespace Tracevault.Server.Console;

/// <summary>A signed-in console user: who they are, the token their forms must carry, and when the session ends unless used.</summary>
/// <remarks>Thread-safe: only the expiry changes, atomically.</remarks>
public sealed class ConsoleSession
{
    private long _expiresAtTicks;

    internal ConsoleSession(string id, Caller caller, string csrfToken, DateTimeOffset expiresAt)
    {
        Id = id;
        Caller = caller;
        CsrfToken = csrfToken;
        _expiresAtTicks = expiresAt.UtcTicks;
    }

    /// <summary>The session id the cookie carries: 256 random bits, base64url.</summary>
    public string Id { get; }

    /// <summary>The user the console acts as, as it was signed in.</summary>
    public Caller Caller { get; }

    /// <summary>The token every form post of this session must carry.</summary>
    public string CsrfToken { get; }

    /// <summary>When the session ends unless a request extends it.</summary>
    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresAtTicks), TimeSpan.Zero);

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

    internal void Extend(DateTimeOffset expiresAt) => Interlocked.Exchange(ref _expiresAtTicks, expiresAt.UtcTicks);
}
