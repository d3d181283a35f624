using Tracevault.Core.Identity;
using Tracevault.Keys.Settings;

namespace Tracevault.Server.Console;

/// <summary>The notices every console page shows in its navigation bar about the signed-in user's account.</summary>
public sealed class ConsoleNotifications
{
    private readonly DataKeyPolicy _dataKeys;

    /// <summary>Creates the notifications.</summary>
    public ConsoleNotifications(DataKeyPolicy dataKeys)
    {
        _dataKeys = dataKeys;
    }

    /// <summary>The banner HTML for the caller's account, or an empty string when there is nothing to say.</summary>
    /// <remarks>
    /// The layout writes the returned markup as is into the navigation bar of every page, so it is built with
    /// <see cref="HtmlWriter"/> (every value encoded). Called once per page: it reads the data-key policy's storing status,
    /// which is in memory while this node has stopped storing, and makes no KMS call.
    /// </remarks>
    public string AccountBannerHtml(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (_dataKeys.FindStoringStatus(caller.AccountId) is not { } stopped)
        {
            return string.Empty;
        }

        return new HtmlWriter().Append($"""
            <section class="banner key-unusable" id="key-unusable" role="alert">
            <strong>Tracevault has stopped storing trace data for this account</strong> because its KMS key cannot be used.
            <dl class="banner-facts">
            <dt>Key</dt><dd><code id="key-unusable-key">{stopped.KeyArn}</code></dd>
            <dt>Why</dt><dd id="key-unusable-reason">{stopped.Reason}</dd>
            <dt>Since</dt><dd id="key-unusable-since">{ConsoleFormat.Time(stopped.Since)}</dd>
            </dl>
            <p>Segments that arrive meanwhile are not stored. Enable the key, restore Tracevault's grant or key policy access, or choose another key on the <a href="/console/encryption">Encryption page</a>. Storing resumes by itself once the key can be used.</p>
            </section>
            """).ToString();
    }
}
