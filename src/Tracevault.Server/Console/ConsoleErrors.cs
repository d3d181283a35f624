using Tracevault.Server.Http;

namespace Tracevault.Server.Console;

/// <summary>How a page shows a refusal from the services it calls: access denied in words, or the service's own message.</summary>
public static class ConsoleErrors
{
    /// <summary>The panel that replaces a page's data when the service refused.</summary>
    public static TrustedHtml Render(ApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code == "AccessDeniedException"
            ? new HtmlWriter().Append($"""
                <section class="panel refused" id="access-denied" role="alert">
                <h2>Access denied</h2>
                <p>You are not allowed to see this. {error.Message}</p>
                <p class="hint">Ask an administrator of your account for the permission named above.</p>
                </section>
                """).ToHtml()
            : new HtmlWriter().Append($"""
                <section class="panel refused" id="request-error" role="alert">
                <h2>The request could not be completed</h2>
                <p>{error.Code}: {error.Message}</p>
                </section>
                """).ToHtml();
    }

    /// <summary>The HTTP status a page answers with when a service refused.</summary>
    public static int Status(ApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code == "AccessDeniedException" ? StatusCodes.Status403Forbidden : error.StatusCode;
    }
}
