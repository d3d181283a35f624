using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Tracevault.Core.Identity;
using Tracevault.Keys.Identity;

namespace Tracevault.Server.Console;

/// <summary>The console's server-side sessions, in memory: a random id in a cookie names the signed-in caller, its CSRF token and its expiry.</summary>
/// <remarks>
/// Thread-safe. Sessions end after <see cref="ConsoleOptions.SessionIdleTimeout"/> without a request, on sign-out, when the server
/// stops, and at the first request after their access key was deactivated or deleted (or its user deleted), by this process or
/// another: every request reads the key's status and its user's policies from the store.
/// </remarks>
public sealed class ConsoleSessions
{
    /// <summary>The session cookie's name over plain HTTP; over HTTPS it carries <see cref="SecureCookiePrefix"/>.</summary>
    public const string CookieName = "tracevault_session";

    /// <summary>The path the console's cookies are scoped to over plain HTTP (a <c>__Host-</c> cookie must have path <c>/</c>).</summary>
    public const string CookiePath = "/console";

    /// <summary>The prefix of every console cookie over HTTPS: the browser then keeps it only if Secure, for this host and path <c>/</c>.</summary>
    public const string SecureCookiePrefix = "__Host-";

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConsoleOptions _options;
    private readonly IdentityService _identity;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsoleSessions> _logger;

    /// <summary>Creates the store.</summary>
    public ConsoleSessions(ConsoleOptions options, IdentityService identity, TimeProvider time, ILogger<ConsoleSessions> logger)
    {
        _options = options;
        _identity = identity;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts a session for a caller who just proved their credentials, and sets its cookie.</summary>
    public ConsoleSession Start(HttpContext context, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        RemoveExpired();
        var session = new ConsoleSession(NewToken(), caller, NewToken(), _time.GetUtcNow() + _options.SessionIdleTimeout);
        _sessions[session.Id] = session;
        context.Response.Cookies.Append(CookieNameFor(context, CookieName), session.Id, CookieOptions(context));
        return session;
    }

    /// <summary>The live session the request's cookie names, extended by the idle timeout; null when there is none, it has expired, or its access key is no longer active.</summary>
    public ConsoleSession? Find(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = context.Request.Cookies[CookieNameFor(context, CookieName)];
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (session.ExpiresAt <= now)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        // The key is checked on every request, not only at sign-in: deactivating or deleting it ends its sessions at once.
        var caller = session.Caller;
        var credentials = caller.AccessKeyId is { } accessKeyId ? _identity.FindCredentials(accessKeyId) : null;
        if (credentials is null)
        {
            _sessions.TryRemove(id, out _);
            LogMessages.ConsoleSessionEndedKeyInactive(_logger, caller.AccountId, caller.UserName, caller.AccessKeyId ?? "");
            return null;
        }

        if (!ReferenceEquals(credentials.Policies, caller.Policies))
        {
            // The user's policies changed since the session's last request: it acts with the new ones from now on.
            session.Refresh(caller with { Policies = credentials.Policies });
        }

        session.Extend(now + _options.SessionIdleTimeout);
        return session;
    }

    /// <summary>Whether the request carries a session cookie at all (live or not), to tell "ended" from "never signed in".</summary>
    public static bool HasCookie(HttpContext context) =>
        context is not null && !string.IsNullOrEmpty(context.Request.Cookies[CookieNameFor(context, CookieName)]);

    /// <summary>Ends a session and clears its cookie.</summary>
    public void End(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        _sessions.TryRemove(session.Id, out _);
        context.Response.Cookies.Delete(CookieNameFor(context, CookieName), CookieOptions(context));
    }

    /// <summary>The name a console cookie has on this request: <see cref="SecureCookiePrefix"/> and <paramref name="name"/> over HTTPS, else <paramref name="name"/>.</summary>
    public static string CookieNameFor(HttpContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.IsHttps ? SecureCookiePrefix + name : name;
    }

    /// <summary>The options of every console cookie: HttpOnly, SameSite=Strict; over HTTPS Secure with path <c>/</c> (as <c>__Host-</c> requires), else scoped to the console.</summary>
    public static CookieOptions CookieOptions(HttpContext context)
    {
        var https = context?.Request.IsHttps ?? false;
        return new()
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = https,
            Path = https ? "/" : CookiePath,
            IsEssential = true,
        };
    }

    /// <summary>A new 256-bit random token, base64url.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private void RemoveExpired()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (session.ExpiresAt <= now)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }
}
