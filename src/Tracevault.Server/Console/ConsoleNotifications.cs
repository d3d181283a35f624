using Tracevault.Core.Identity;

namespace Tracevault.Server.Console;

/// <summary>The notices every console page shows in its navigation bar about the signed-in user's account.</summary>
public sealed class ConsoleNotifications
{
    /// <summary>The banner HTML for the caller's account, or an empty string when there is nothing to say.</summary>
    /// <remarks>
    /// The layout writes the returned markup as is into the navigation bar of every page, so it must be built with
    /// <see cref="HtmlWriter"/> (every value encoded). Called once per page; keep it cheap (no storage or KMS calls per page).
    /// </remarks>
    public string AccountBannerHtml(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);

        // TODO(issue 6, key-unusable notification): return the banner when the account's key is unusable and storing has
        // stopped — which key, why, since when, what to do — and nothing once storing resumes. Until that status exists,
        // there is nothing to show.
        return string.Empty;
    }
}
