using Tracevault.Keys.Kms;
using Tracevault.Keys.Settings;
using Tracevault.Server.Http;

namespace Tracevault.Server.Console;

/// <summary>The Encryption page, as X-Ray's: default encryption or a KMS key (<c>aws/xray</c>, a key alias, or a key ARN entered by hand), Apply, and the setting's status.</summary>
public sealed class EncryptionPage
{
    /// <summary>The IAM action showing the setting needs, as <c>GetEncryptionConfig</c> does.</summary>
    public const string GetAction = "xray:GetEncryptionConfig";

    /// <summary>The IAM action changing it needs, as <c>PutEncryptionConfig</c> does.</summary>
    public const string PutAction = "xray:PutEncryptionConfig";

    /// <summary>The dropdown value that shows the key ARN field.</summary>
    public const string ManualChoice = "manual";

    private const string ManagedAlias = "alias/aws/xray";

    private readonly EncryptionSettingsService _settings;
    private readonly KeyService _kms;
    private readonly ConsoleLayout _layout;
    private readonly DataKeyPolicy _dataKeys;
    private readonly Keys.External.IExternalKeyService _external;

    /// <summary>Creates the page.</summary>
    public EncryptionPage(EncryptionSettingsService settings, KeyService kms, ConsoleLayout layout, DataKeyPolicy dataKeys, Keys.External.IExternalKeyService external)
    {
        _dataKeys = dataKeys;
        _external = external;
        _settings = settings;
        _kms = kms;
        _layout = layout;
    }

    /// <summary>GET <c>/console/encryption</c>.</summary>
    public Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var applied = context.Request.Query["applied"] == "1";
        return RenderAsync(context, session, applied ? "The new setting was applied. Tracevault's nodes are taking it up." : null, null, null, StatusCodes.Status200OK);
    }

    /// <summary>POST <c>/console/encryption</c>: Apply.</summary>
    public Task ApplyAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var form = context.Request.Form;
        var choice = new Choice(form["type"].ToString(), form["key"].ToString(), form["keyArn"].ToString().Trim());
        var caller = session.CallerFor(context);
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, PutAction, "*");
            switch (choice.Type)
            {
                case "NONE":
                    _settings.Put(caller, EncryptionType.None, null);
                    break;
                case "KMS":
                    var keyId = choice.Key == ManualChoice ? choice.KeyArn : choice.Key;
                    if (string.IsNullOrEmpty(keyId))
                    {
                        return RenderAsync(context, session, null, "Choose a key, or enter the ARN of a KMS key.", choice, StatusCodes.Status400BadRequest);
                    }

                    _settings.Put(caller, EncryptionType.Kms, keyId);
                    break;
                default:
                    return RenderAsync(context, session, null, "Choose Default encryption or Use a KMS key.", choice, StatusCodes.Status400BadRequest);
            }
        }
        catch (ApiException error)
        {
            return RenderAsync(context, session, null, Refusal(error.Code, error.Message), choice, ConsoleErrors.Status(error));
        }
        catch (EncryptionSettingException error)
        {
            var status = error.Code == "AccessDeniedException" ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
            return RenderAsync(context, session, null, Refusal(error.Code, error.Message), choice, status);
        }

        ConsoleResponses.Redirect(context, "/console/encryption?applied=1");
        return Task.CompletedTask;
    }

    private static string Refusal(string code, string message) => code == "AccessDeniedException"
        ? "Access denied: " + message
        : message;

    private Task RenderAsync(HttpContext context, ConsoleSession session, string? done, string? error, Choice? posted, int status)
    {
        var caller = session.CallerFor(context);
        var html = new HtmlWriter();
        html.Append($"<h1>Encryption</h1>");
        html.Append($"<p class=\"hint\">Tracevault always encrypts trace data at rest. Choose whether new data is sealed under Tracevault's own key or under a KMS key you control. Existing data is not re-encrypted.</p>");

        EncryptionSetting setting;
        string settingStatus;
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, GetAction, "*");
            (setting, settingStatus) = _settings.Get(caller.AccountId);
        }
        catch (ApiException exception)
        {
            html.Raw(ConsoleErrors.Render(exception));
            return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Encryption", ConsoleSection.Encryption, html.ToHtml()), ConsoleErrors.Status(exception));
        }

        var (aliases, managedKeyArn, aliasError) = ListAliases(caller);
        html.Raw(RenderCurrent(setting, settingStatus, aliases, managedKeyArn));
        html.Raw(RenderForm(session, setting, aliases, managedKeyArn, aliasError, posted, done, error));
        // Refreshed while UPDATING, but not over a refusal the user has yet to read.
        var refresh = settingStatus == EncryptionSettingsService.Updating && error is null ? 1 : (int?)null;
        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Encryption", ConsoleSection.Encryption, html.ToHtml(), refresh), status);
    }

    /// <summary>The account's customer aliases, by name, and the ARN of the <c>aws/xray</c> key when it exists; or why they could not be listed.</summary>
    private (IReadOnlyList<KmsAlias> Aliases, string? ManagedKeyArn, string? Error) ListAliases(Core.Identity.Caller caller)
    {
        try
        {
            var aliases = new List<KmsAlias>();
            string? managedKeyArn = null;
            string? marker = null;
            do
            {
                var page = _kms.ListAliases(caller, null, 100, marker);
                foreach (var alias in page.Items)
                {
                    if (alias.AliasName == ManagedAlias)
                    {
                        managedKeyArn = _kms.KeyArn(alias.AccountId, alias.TargetKeyId);
                    }
                    else if (!alias.AliasName.StartsWith(KeyService.AwsManagedAliasPrefix, StringComparison.Ordinal))
                    {
                        aliases.Add(alias);
                    }
                }

                marker = page.NextMarker;
            }
            while (marker is not null);
            return (aliases.OrderBy(a => a.AliasName, StringComparer.Ordinal).ToList(), managedKeyArn, null);
        }
        catch (KmsException error)
        {
            return ([], null, $"Your key aliases could not be listed ({error.Code}: {error.Message}). You can still choose aws/xray or enter a key ARN.");
        }
    }

    private TrustedHtml RenderCurrent(EncryptionSetting setting, string status, IReadOnlyList<KmsAlias> aliases, string? managedKeyArn)
    {
        var html = new HtmlWriter();
        var statusClass = status == EncryptionSettingsService.Active ? "ok" : "partial";
        html.Append($"""
            <section class="panel" id="current-setting">
            <h2>Current setting</h2>
            <dl class="facts">
            <div><dt>Encryption</dt><dd id="current-type">{(setting.Type == EncryptionType.Kms ? "Use a KMS key" : "Default encryption")}</dd></div>
            """);
        if (setting.Type == EncryptionType.Kms)
        {
            var names = aliases.Where(a => setting.KeyArn == _kms.KeyArn(a.AccountId, a.TargetKeyId)).Select(a => a.AliasName).ToList();
            if (setting.KeyArn == managedKeyArn)
            {
                names.Insert(0, ManagedAlias);
            }

            html.Append($"<div><dt>Key</dt><dd><code id=\"current-key\">{setting.KeyArn}</code>{(names.Count > 0 ? " (" + string.Join(", ", names) + ")" : "")}</dd></div>");
            if (setting.IsExternal)
            {
                // An external key's state is what the key service last said (checked periodically), never assumed.
                var known = _dataKeys.FindExternalKeyStatus(setting.KeyArn!);
                var state = known?.State ?? "Not checked yet";
                html.Append($"<div><dt>Key service</dt><dd id=\"current-key-service\">External: {_external.Endpoint}</dd></div>");
                html.Append($"<div><dt>Key state</dt><dd><span class=\"badge {(known is { Usable: true } ? "ok" : "partial")}\" id=\"external-key-state\">{state}</span>");
                if (known is not null)
                {
                    html.Append($" <span class=\"hint\" id=\"external-key-checked\">as the key service said at {ConsoleFormat.Time(known.CheckedAt)}{(known.Reason is { } reason ? ": " + reason : "")}</span>");
                }

                html.Append($"</dd></div>");
            }
        }

        html.Append($"""
            <div><dt>Status</dt><dd><span class="badge {statusClass}" id="encryption-status">{status}</span></dd></div>
            """);
        if (setting.Version > 0)
        {
            html.Append($"<div><dt>Changed</dt><dd>{ConsoleFormat.Time(setting.ChangedAt)} by {setting.ChangedBy}</dd></div>");
        }

        html.Append($"</dl>");
        if (status == EncryptionSettingsService.Updating)
        {
            html.Append($"<p class=\"hint\" id=\"updating-hint\">Tracevault's nodes are generating data keys under the new setting. This page refreshes by itself until the status is ACTIVE.</p>");
        }

        html.Append($"</section>");
        return html.ToHtml();
    }

    private TrustedHtml RenderForm(ConsoleSession session, EncryptionSetting setting, IReadOnlyList<KmsAlias> aliases, string? managedKeyArn, string? aliasError, Choice? posted, string? done, string? error)
    {
        // What the form shows selected: what was just posted (after a refusal), else the current setting.
        var type = posted?.Type ?? (setting.Type == EncryptionType.Kms ? "KMS" : "NONE");
        string key;
        var keyArn = posted?.KeyArn ?? "";
        if (posted is not null)
        {
            key = posted.Key;
        }
        else if (setting.Type != EncryptionType.Kms)
        {
            key = ManagedAlias;
        }
        else if (aliases.FirstOrDefault(a => setting.KeyArn == _kms.KeyArn(a.AccountId, a.TargetKeyId)) is { } named)
        {
            key = named.AliasName;
        }
        else if (setting.KeyArn == managedKeyArn)
        {
            key = ManagedAlias;
        }
        else
        {
            key = ManualChoice;
            keyArn = setting.KeyArn ?? "";
        }

        var html = new HtmlWriter();
        html.Append($"""
            <form method="post" action="/console/encryption" class="panel encryption-form" id="encryption-form">
            {CsrfProtection.Field(session)}
            <fieldset class="choices">
            <legend>Encryption</legend>
            <label class="choice"><input type="radio" name="type" value="NONE" id="type-default"{Checked(type != "KMS")}> <span><strong>Default encryption</strong> <span class="hint">Tracevault's own key. No KMS requests, nothing to audit.</span></span></label>
            <label class="choice"><input type="radio" name="type" value="KMS" id="type-kms"{Checked(type == "KMS")}> <span><strong>Use a KMS key</strong> <span class="hint">A key you control: its use is audited, and disabling it stops Tracevault from storing new data.</span></span></label>
            </fieldset>
            <div class="kms-choice">
            <label>AWS KMS key
            <select name="key" id="key-select">
            <option value="{ManagedAlias}"{Selected(key == ManagedAlias)}>aws/xray</option>
            """);
        foreach (var alias in aliases)
        {
            html.Append($"<option value=\"{alias.AliasName}\"{Selected(key == alias.AliasName)}>{alias.AliasName["alias/".Length..]}</option>");
        }

        html.Append($"""
            <option value="{ManualChoice}"{Selected(key == ManualChoice)}>Manually enter a key ARN</option>
            </select>
            </label>
            <label class="manual-arn">Key ARN
            <input name="keyArn" id="key-arn" value="{keyArn}" placeholder="arn:aws:kms:{_kms.Region}:111122223333:key/…" spellcheck="false" autocapitalize="off">
            </label>
            </div>
            """);
        if (_external.Configured)
        {
            html.Append($"<p class=\"hint\" id=\"external-kms-hint\">A key of the external key service {_external.Endpoint} is entered here by its key or alias ARN: Tracevault checks it there and makes its grant there.</p>");
        }
        if (aliasError is not null)
        {
            html.Append($"<p class=\"hint\" id=\"alias-error\">{aliasError}</p>");
        }

        if (error is not null)
        {
            html.Append($"<p class=\"error\" id=\"encryption-error\" role=\"alert\">{error}</p>");
        }

        if (done is not null)
        {
            html.Append($"<p class=\"done\" id=\"encryption-done\" role=\"status\">{done}</p>");
        }

        html.Append($"""
            <button type="submit" class="primary" id="apply">Apply</button>
            </form>
            """);
        return html.ToHtml();
    }

    private static TrustedHtml Checked(bool on) => on ? new TrustedHtml(" checked") : TrustedHtml.Empty;

    private static TrustedHtml Selected(bool on) => on ? new TrustedHtml(" selected") : TrustedHtml.Empty;

    private sealed record Choice(string Type, string Key, string KeyArn);
}
