using Tracevault.Core.Identity;

namespace Tracevault.Server.Console;

/// <summary>A signed-in console user: who they are, the token their forms must carry, and when the session ends unless used.</summary>
/// <remarks>Thread-safe: only the expiry and the caller (when the user's policies change) change, atomically.</remarks>
public sealed class ConsoleSession
{
    private long _expiresAtTicks;
    private Caller _caller;

    internal ConsoleSession(string id, Caller caller, string csrfToken, DateTimeOffset expiresAt)
    {
        Id = id;
        _caller = caller;
        CsrfToken = csrfToken;
        _expiresAtTicks = expiresAt.UtcTicks;
    }

    /// <summary>The session id the cookie carries: 256 random bits, base64url.</summary>
    public string Id { get; }

    /// <summary>The user the console acts as, with the policies it had at this session's latest request.</summary>
    public Caller Caller => Volatile.Read(ref _caller);

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

    internal void Refresh(Caller caller) => Volatile.Write(ref _caller, caller);
}
