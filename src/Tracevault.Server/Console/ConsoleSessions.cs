using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Identity;
using Tracevault.Keys.Identity;

namespace Tracevault.Server.Console;

/// <summary>The console's server-side sessions, kept in the store so every node knows them: a random token in a cookie names the signed-in user and its expiry.</summary>
/// <remarks>
/// Thread-safe. The store keeps only the token's SHA-256, never the token, so whoever reads the database cannot ride a session;
/// the CSRF token is derived from the session token (HMAC-SHA256), so it is stored nowhere. Sessions end after
/// <see cref="ConsoleOptions.SessionIdleTimeout"/> without a request (on any node), on sign-out, and at the first request after
/// their access key was deactivated or deleted (or its user deleted), by this process or another: every request reads the
/// session, the key's status and its user's policies from the store. A node's restart ends no session.
/// </remarks>
public sealed class ConsoleSessions
{
    /// <summary>The session cookie's name over plain HTTP; over HTTPS it carries <see cref="SecureCookiePrefix"/>.</summary>
    public const string CookieName = "tracevault_session";

    /// <summary>The path the console's cookies are scoped to over plain HTTP (a <c>__Host-</c> cookie must have path <c>/</c>).</summary>
    public const string CookiePath = "/console";

    /// <summary>The prefix of every console cookie over HTTPS: the browser then keeps it only if Secure, for this host and path <c>/</c>.</summary>
    public const string SecureCookiePrefix = "__Host-";

    private static readonly byte[] CsrfLabel = "tracevault/console-csrf"u8.ToArray();

    private readonly IConsoleSessionStore _store;
    private readonly ConsoleOptions _options;
    private readonly IdentityService _identity;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsoleSessions> _logger;

    /// <summary>Creates the sessions over the store every node shares.</summary>
    public ConsoleSessions(IConsoleSessionStore store, ConsoleOptions options, IdentityService identity, TimeProvider time, ILogger<ConsoleSessions> logger)
    {
        _store = store;
        _options = options;
        _identity = identity;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts a session for a caller who just proved their credentials, and sets its cookie.</summary>
    public ConsoleSession Start(HttpContext context, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var now = _time.GetUtcNow();
        _store.RemoveExpired(now);
        var token = NewToken();
        var session = new ConsoleSession(token, caller, CsrfTokenOf(token), now + _options.SessionIdleTimeout);
        _store.Add(new ConsoleSessionRecord(TokenHash(token), caller.AccountId, caller.UserName,
            caller.AccessKeyId ?? throw new ArgumentException("A console session is started with an access key.", nameof(caller)), now, session.ExpiresAt));
        context.Response.Cookies.Append(CookieNameFor(context, CookieName), token, CookieOptions(context));
        return session;
    }

    /// <summary>The live session the request's cookie names, extended by the idle timeout; null when there is none, it has expired, or its access key is no longer active.</summary>
    public ConsoleSession? Find(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.Request.Cookies[CookieNameFor(context, CookieName)];
        if (string.IsNullOrEmpty(token) || token.Length > 256)
        {
            return null;
        }

        var hash = TokenHash(token);
        if (_store.Find(hash) is not { } stored)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (stored.ExpiresAt <= now)
        {
            _store.Remove(hash);
            return null;
        }

        // The key is checked on every request, not only at sign-in: deactivating or deleting it ends its sessions at once.
        var credentials = _identity.FindCredentials(stored.AccessKeyId);
        if (credentials is null || credentials.User.AccountId != stored.AccountId || credentials.User.Name != stored.UserName)
        {
            _store.Remove(hash);
            LogMessages.ConsoleSessionEndedKeyInactive(_logger, stored.AccountId, stored.UserName, stored.AccessKeyId);
            return null;
        }

        // The same caller sign-in made, with the user's policies as they are now.
        var user = credentials.User;
        var caller = new Caller(user.AccountId, user.Arn, user.Name, credentials.AccessKeyId, credentials.Policies);
        var expiresAt = now + _options.SessionIdleTimeout;

        // Written when it moves by a sixtieth of the timeout or more (a minute of the default hour), not on every page.
        if (expiresAt - stored.ExpiresAt >= _options.SessionIdleTimeout / 60)
        {
            _store.Extend(hash, expiresAt);
        }
        else
        {
            expiresAt = stored.ExpiresAt;
        }

        return new ConsoleSession(token, caller, CsrfTokenOf(token), expiresAt);
    }

    /// <summary>Whether the request carries a session cookie at all (live or not), to tell "ended" from "never signed in".</summary>
    public static bool HasCookie(HttpContext context) =>
        context is not null && !string.IsNullOrEmpty(context.Request.Cookies[CookieNameFor(context, CookieName)]);

    /// <summary>Ends a session and clears its cookie.</summary>
    public void End(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        _store.Remove(TokenHash(session.Id));
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

    /// <summary>What the store keeps of a session token: its SHA-256.</summary>
    internal static byte[] TokenHash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The CSRF token of a session: an HMAC-SHA256 of a label under the session token, so no store holds it and no page can guess it.</summary>
    private static string CsrfTokenOf(string token) => Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), CsrfLabel));
}
