using System.Text;

namespace Tracevault.Server.Console;

/// <summary>How the console answers: HTML pages with strict security headers, and redirects.</summary>
public static class ConsoleResponses
{
    // No script runs on a console page, and nothing loads from elsewhere.
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Writes a whole HTML page.</summary>
    public static Task WriteHtmlAsync(HttpContext context, string html, int statusCode = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        SetSecurityHeaders(response);
        return response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>Redirects the browser with <c>303 See Other</c>, so it follows with a GET.</summary>
    public static void Redirect(HttpContext context, string location)
    {
        ArgumentNullException.ThrowIfNull(context);
        SetSecurityHeaders(context.Response);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = location;
    }

    /// <summary>A console path with a query string, every value escaped.</summary>
    public static string Link(string path, params (string Name, string Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return path + QueryString.Create(parameters.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value))).Value;
    }

    /// <summary>Whether <paramref name="path"/> is a console page to return to after sign-in (never another site).</summary>
    public static bool IsLocalConsolePath(string? path) =>
        !string.IsNullOrEmpty(path)
        && path.StartsWith(ConsoleSessions.CookiePath + "/", StringComparison.Ordinal)
        && !path.Contains("//", StringComparison.Ordinal)
        && !path.Contains('\\', StringComparison.Ordinal)
        && !path.StartsWith("/console/signin", StringComparison.Ordinal)
        && !path.StartsWith("/console/signout", StringComparison.Ordinal);

    private static void SetSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
