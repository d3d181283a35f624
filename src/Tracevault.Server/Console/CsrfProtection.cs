using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Server.Console;

/// <summary>The console's defence against forged form posts: every post carries a token the attacker's page cannot read.</summary>
/// <remarks>
/// A signed-in form carries its session's token in a hidden field. The sign-in form, which has no session yet, carries a token
/// that must equal the one in a short-lived HttpOnly, SameSite=Strict cookie (double submit). Both are compared in constant time.
/// </remarks>
public static class CsrfProtection
{
    /// <summary>The hidden form field that carries the token.</summary>
    public const string FieldName = "csrf";

    /// <summary>The cookie that carries the sign-in form's token.</summary>
    public const string SignInCookieName = "tracevault_signin";

    /// <summary>The hidden field of a signed-in form.</summary>
    public static TrustedHtml Field(ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Field(session.CsrfToken);
    }

    /// <summary>The hidden field carrying a token.</summary>
    public static TrustedHtml Field(string token) =>
        new HtmlWriter().Append($"<input type=\"hidden\" name=\"{FieldName}\" value=\"{token}\">").ToHtml();

    /// <summary>Whether a signed-in form post carries its session's token.</summary>
    public static bool IsValid(ConsoleSession session, IFormCollection form)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(form);
        return SameToken(form[FieldName].ToString(), session.CsrfToken);
    }

    /// <summary>Whether the sign-in form post carries the token its cookie holds.</summary>
    public static bool IsValidSignIn(HttpContext context, IFormCollection form)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(form);
        return SameToken(form[FieldName].ToString(), context.Request.Cookies[ConsoleSessions.CookieNameFor(context, SignInCookieName)]);
    }

    /// <summary>Issues the sign-in form's token and sets its cookie.</summary>
    public static string IssueSignInToken(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = ConsoleSessions.NewToken();
        context.Response.Cookies.Append(ConsoleSessions.CookieNameFor(context, SignInCookieName), token, ConsoleSessions.CookieOptions(context));
        return token;
    }

    private static bool SameToken(string? sent, string? expected) =>
        !string.IsNullOrEmpty(sent) && !string.IsNullOrEmpty(expected)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));
}
