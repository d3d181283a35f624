namespace Tracevault.Server.Console;

/// <summary>The frame of every console page: head, navigation bar with the account's notifications, and the page's content.</summary>
public sealed class ConsoleLayout
{
    private readonly ConsoleNotifications _notifications;

    /// <summary>Creates the layout.</summary>
    public ConsoleLayout(ConsoleNotifications notifications)
    {
        _notifications = notifications;
    }

    /// <summary>Renders a whole page; <paramref name="session"/> is null only for the pages shown before sign-in.</summary>
    /// <param name="session">The signed-in session, or null.</param>
    /// <param name="title">The page's title.</param>
    /// <param name="section">The navigation entry the page belongs to.</param>
    /// <param name="content">The page's content.</param>
    /// <param name="refreshSeconds">When set, the browser reloads the page after this many seconds (a status that is still changing).</param>
    public string Render(ConsoleSession? session, string title, ConsoleSection section, TrustedHtml content, int? refreshSeconds = null)
    {
        var html = new HtmlWriter();
        html.Append($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>{title} · Tracevault</title>
            <link rel="stylesheet" href="{ConsoleFeature.StylesheetPath}">
            """);
        if (refreshSeconds is { } seconds)
        {
            html.Append($"<meta http-equiv=\"refresh\" content=\"{seconds}\">\n");
        }

        html.Append($"""
            </head>
            <body>
            <header class="topbar">
            <nav class="nav" aria-label="Console">
            <a class="brand" href="/console/traces">Tracevault</a>
            """);
        if (session is not null)
        {
            html.Append($"""
                <ul class="nav-links">
                {NavLink("/console/traces", "Traces", section == ConsoleSection.Traces)}
                {NavLink("/console/map", "Service map", section == ConsoleSection.ServiceMap)}
                {NavLink("/console/sampling", "Sampling rules", section == ConsoleSection.SamplingRules)}
                {NavLink("/console/groups", "Groups", section == ConsoleSection.Groups)}
                {NavLink("/console/encryption", "Encryption", section == ConsoleSection.Encryption)}
                {NavLink("/console/keys", "Keys", section == ConsoleSection.Keys)}
                {NavLink("/console/audit", "Audit", section == ConsoleSection.Audit)}
                </ul>
                <form method="get" action="{TracePage.LookupPath}" class="trace-lookup" id="trace-lookup" role="search">
                <input name="{TracePage.LookupParameter}" id="trace-lookup-id" aria-label="Go to a trace by id (X-Ray or W3C)" placeholder="Trace id (X-Ray or W3C)" spellcheck="false" autocapitalize="off" autocomplete="off" maxlength="200">
                <button type="submit">Go</button>
                </form>
                <div class="nav-user">
                <span class="user" title="{session.Caller.Arn}">{session.Caller.UserName} <span class="account">{session.Caller.AccountId}</span></span>
                <form method="post" action="/console/signout" class="signout">{CsrfProtection.Field(session)}<button type="submit">Sign out</button></form>
                </div>
                """);
        }

        html.Append($"</nav>");
        if (session is not null)
        {
            // The notification slot: the account's notices (e.g. "key unusable, storing stopped") on every signed-in page.
            html.Append($"<div class=\"notifications\" id=\"notifications\" role=\"status\">{new TrustedHtml(_notifications.AccountBannerHtml(session.Caller))}</div>");
        }

        html.Append($"""
            </header>
            <main class="main">
            {content}
            </main>
            </body>
            </html>
            """);
        return html.ToString();
    }

    private static TrustedHtml NavLink(string href, string label, bool current) => current
        ? new HtmlWriter().Append($"<li><a href=\"{href}\" aria-current=\"page\">{label}</a></li>").ToHtml()
        : new HtmlWriter().Append($"<li><a href=\"{href}\">{label}</a></li>").ToHtml();
}
