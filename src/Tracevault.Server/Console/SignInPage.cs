using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Identity;
using Tracevault.Keys.Identity;

namespace Tracevault.Server.Console;

/// <summary>Sign-in with an access key id and its secret (the API's own users), and sign-out.</summary>
public sealed class SignInPage
{
    private const int MaxFieldLength = 256;

    // Compared against when the access key is unknown, so a wrong id costs the same as a wrong secret.
    private static readonly byte[] UnknownKeySecret = RandomNumberGenerator.GetBytes(40);

    private readonly IdentityService _identity;
    private readonly ConsoleSessions _sessions;
    private readonly SignInThrottle _throttle;
    private readonly ConsoleSignInAudit _audit;
    private readonly ConsoleLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILogger<SignInPage> _logger;

    /// <summary>Creates the page.</summary>
    public SignInPage(IdentityService identity, ConsoleSessions sessions, SignInThrottle throttle, ConsoleSignInAudit audit, ConsoleLayout layout, TimeProvider time, ILogger<SignInPage> logger)
    {
        _identity = identity;
        _sessions = sessions;
        _throttle = throttle;
        _audit = audit;
        _layout = layout;
        _time = time;
        _logger = logger;
    }

    /// <summary>GET: the sign-in form, or straight on when already signed in.</summary>
    public Task ShowAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var next = context.Request.Query["next"].ToString();
        if (_sessions.Find(context) is not null)
        {
            ConsoleResponses.Redirect(context, ConsoleResponses.IsLocalConsolePath(next) ? next : "/console/traces");
            return Task.CompletedTask;
        }

        var notice = context.Request.Query["ended"] == "1" ? "Your session has ended. Sign in again to continue." : null;
        return RenderAsync(context, next, accessKeyId: "", error: null, notice, StatusCodes.Status200OK);
    }

    /// <summary>POST: checks the credentials and starts a session; refused unchecked while the key or the address must wait after repeated failures.</summary>
    public async Task SubmitAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var form = await ConsoleForms.TryReadAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            await RenderAsync(context, "", "", "The sign-in request was not a form post of the expected size.", null, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var next = form["next"].ToString();
        if (!CsrfProtection.IsValidSignIn(context, form))
        {
            LogMessages.ConsoleFormRefused(_logger, context.Request.Path, remote);
            await ConsoleFeature.WriteForbiddenFormAsync(context, _layout, session: null).ConfigureAwait(false);
            return;
        }

        var accessKeyId = form["accessKeyId"].ToString().Trim();
        var secret = form["secretAccessKey"].ToString();
        var credentials = accessKeyId.Length is > 0 and <= MaxFieldLength ? _identity.FindCredentials(accessKeyId) : null;
        var shownKeyId = accessKeyId.Length <= MaxFieldLength ? accessKeyId : "";
        var loginTo = ConsoleResponses.IsLocalConsolePath(next) ? next : "/console/traces";
        if (_throttle.TryBegin(credentials?.AccessKeyId, remote) is { } retryAt)
        {
            LogMessages.ConsoleSignInThrottled(_logger, remote, retryAt);
            var wait = WaitSeconds(retryAt);
            context.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            await RenderAsync(context, next, shownKeyId, TooManyFailures(retryAt, wait), null, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
            return;
        }

        var expected = credentials is null ? UnknownKeySecret : Encoding.UTF8.GetBytes(credentials.SecretAccessKey);
        var matches = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret.Length <= MaxFieldLength ? secret : ""), expected);
        if (credentials is null || !matches)
        {
            _audit.Record(context, credentials, succeeded: false, loginTo);
            LogMessages.ConsoleSignInRefused(_logger, remote);
            var error = "The access key id or the secret access key is not right.";
            if (_throttle.RetryAt(credentials?.AccessKeyId, remote) is { } retryAfterFailure)
            {
                error += " " + TooManyFailures(retryAfterFailure, WaitSeconds(retryAfterFailure));
            }

            await RenderAsync(context, next, shownKeyId, error, null, StatusCodes.Status200OK).ConfigureAwait(false);
            return;
        }

        _throttle.Succeeded(credentials.AccessKeyId, remote);
        _audit.Record(context, credentials, succeeded: true, loginTo);

        // The same caller the API builds for a request signed with these credentials, so the console has exactly the user's permissions.
        var user = credentials.User;
        var caller = new Caller(user.AccountId, user.Arn, user.Name, credentials.AccessKeyId, credentials.Policies);
        if (_sessions.Find(context) is { } previous)
        {
            _sessions.End(context, previous);
        }

        _sessions.Start(context, caller);
        context.Response.Cookies.Delete(ConsoleSessions.CookieNameFor(context, CsrfProtection.SignInCookieName), ConsoleSessions.CookieOptions(context));
        LogMessages.ConsoleSignedIn(_logger, user.AccountId, user.Name, credentials.AccessKeyId);
        ConsoleResponses.Redirect(context, loginTo);
    }

    /// <summary>POST (CSRF-checked): ends the session.</summary>
    public Task SignOutAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions.End(context, session);
        LogMessages.ConsoleSignedOut(_logger, session.Caller.AccountId, session.Caller.UserName);
        ConsoleResponses.Redirect(context, "/console/signin");
        return Task.CompletedTask;
    }

    /// <summary>Whole seconds until <paramref name="retryAt"/>, at least 1.</summary>
    private int WaitSeconds(DateTimeOffset retryAt) => Math.Max(1, (int)Math.Ceiling((retryAt - _time.GetUtcNow()).TotalSeconds));

    private static string TooManyFailures(DateTimeOffset retryAt, int wait) => string.Create(CultureInfo.InvariantCulture,
        $"Too many failed sign-ins with this access key or from this address: try again in {wait} second{(wait == 1 ? "" : "s")}, at {ConsoleFormat.Time(retryAt)}.");

    private Task RenderAsync(HttpContext context, string next, string accessKeyId, string? error, string? notice, int status)
    {
        var token = CsrfProtection.IssueSignInToken(context);
        var html = new HtmlWriter();
        html.Append($"""
            <section class="signin">
            <h1>Sign in</h1>
            <p class="hint">Use an access key of your Tracevault user, the same one the AWS CLI and SDKs use.</p>
            <p class="hint" id="signin-keys">Where keys come from: the first start writes the admin's access key id and secret to the file <code>credentials</code> in the server's data directory (and prints its path); <code>tracevault users create NAME</code> makes more users and prints their keys.</p>
            """);
        if (notice is not null)
        {
            html.Append($"<p class=\"notice\" role=\"status\">{notice}</p>");
        }

        if (error is not null)
        {
            html.Append($"<p class=\"error\" role=\"alert\" id=\"signin-error\">{error}</p>");
        }

        html.Append($"""
            <form method="post" action="/console/signin" class="stack">
            {CsrfProtection.Field(token)}
            <input type="hidden" name="next" value="{(ConsoleResponses.IsLocalConsolePath(next) ? next : "")}">
            <label>Access key ID <input name="accessKeyId" value="{accessKeyId}" autocomplete="username" spellcheck="false" autocapitalize="off" required maxlength="{MaxFieldLength}"></label>
            <label>Secret access key <input name="secretAccessKey" type="password" autocomplete="current-password" required maxlength="{MaxFieldLength}"></label>
            <button type="submit" class="primary">Sign in</button>
            </form>
            </section>
            """);
        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(null, "Sign in", ConsoleSection.None, html.ToHtml()), status);
    }
}
