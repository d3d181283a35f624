using System.Globalization;
using Tracevault.Core.Identity;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;

namespace Tracevault.Server.Console;

/// <summary>The account's KMS keys: aliases, spec, state, rotation, this month's requests and estimated cost, and the everyday key actions.</summary>
public sealed class KeysPage
{
    /// <summary>The key specs the create form offers.</summary>
    public static readonly IReadOnlyList<string> CreatableSpecs = [KeySpecs.SymmetricDefault, "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256"];

    private readonly KeyService _kms;
    private readonly IAuditLog _audit;
    private readonly ConsoleLayout _layout;
    private readonly TimeProvider _time;
    private readonly Keys.Settings.EncryptionSettingsService _settings;
    private readonly Keys.Settings.DataKeyPolicy _dataKeys;
    private readonly Keys.External.IExternalKeyService _external;

    /// <summary>Creates the page.</summary>
    public KeysPage(KeyService kms, IAuditLog audit, ConsoleLayout layout, TimeProvider time, Keys.Settings.EncryptionSettingsService settings, Keys.Settings.DataKeyPolicy dataKeys, Keys.External.IExternalKeyService external)
    {
        _settings = settings;
        _dataKeys = dataKeys;
        _external = external;
        _kms = kms;
        _audit = audit;
        _layout = layout;
        _time = time;
    }

    /// <summary>GET <c>/console/keys</c>; after an action, <c>done</c> and <c>key</c> say what succeeded.</summary>
    public Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var query = context.Request.Query;
        var keyId = query["key"].ToString();
        var message = DoneMessage(query["done"].ToString(), keyId) is { } text ? new Message(string.IsNullOrEmpty(keyId) ? null : keyId, true, text) : null;
        return RenderAsync(context, session, message, StatusCodes.Status200OK);
    }

    /// <summary>POST <c>/console/keys/{action}</c>: one key action as the signed-in user, then back to the page with what happened.</summary>
    public Task ActAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var action = context.Request.RouteValues["action"]?.ToString() ?? "";
        var form = context.Request.Form;
        var caller = session.CallerFor(context);
        var keyId = form["keyId"].ToString();
        try
        {
            switch (action)
            {
                case "create":
                    return CreateAsync(context, session, caller, form);
                case "alias":
                    _kms.CreateAlias(caller, AliasName(form["alias"].ToString()), keyId);
                    break;
                case "enable":
                    _kms.EnableKey(caller, keyId);
                    break;
                case "disable":
                    _kms.DisableKey(caller, keyId);
                    break;
                case "rotate":
                    _kms.RotateKeyOnDemand(caller, keyId);
                    break;
                case "schedule-deletion":
                    var days = int.TryParse(form["days"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 30;
                    _kms.ScheduleKeyDeletion(caller, keyId, days);
                    break;
                case "cancel-deletion":
                    _kms.CancelKeyDeletion(caller, keyId);
                    break;
                default:
                    return RenderAsync(context, session, new Message(null, false, $"'{action}' is not an action on keys."), StatusCodes.Status404NotFound);
            }
        }
        catch (KmsException error)
        {
            return RenderAsync(context, session, new Message(keyId, false, Refusal(error)), ErrorStatus(error));
        }

        ConsoleResponses.Redirect(context, ConsoleResponses.Link("/console/keys", ("done", action), ("key", keyId)));
        return Task.CompletedTask;
    }

    private Task CreateAsync(HttpContext context, ConsoleSession session, Caller caller, IFormCollection form)
    {
        var spec = form["spec"].ToString();
        var usage = form["usage"].ToString();
        var description = form["description"].ToString();
        var alias = form["alias"].ToString().Trim();
        KmsKey key;
        try
        {
            key = _kms.CreateKey(caller, new CreateKeyRequest
            {
                KeySpec = string.IsNullOrEmpty(spec) ? null : spec,
                KeyUsage = string.IsNullOrEmpty(usage) ? null : usage,
                Description = string.IsNullOrEmpty(description) ? null : description,
            });
        }
        catch (KmsException error)
        {
            return RenderAsync(context, session, new Message(null, false, Refusal(error)), ErrorStatus(error));
        }

        if (alias.Length > 0)
        {
            try
            {
                _kms.CreateAlias(caller, AliasName(alias), key.KeyId);
            }
            catch (KmsException error)
            {
                return RenderAsync(context, session, new Message(null, false, $"Key {key.KeyId} was created, but its alias was refused. {Refusal(error)}"), ErrorStatus(error));
            }
        }

        ConsoleResponses.Redirect(context, ConsoleResponses.Link("/console/keys", ("done", "create"), ("key", key.KeyId)));
        return Task.CompletedTask;
    }

    /// <summary>An alias name as typed, with the <c>alias/</c> prefix added when it was left out.</summary>
    private static string AliasName(string typed)
    {
        typed = typed.Trim();
        return typed.Length == 0 || typed.StartsWith("alias/", StringComparison.Ordinal) ? typed : "alias/" + typed;
    }

    private static string Refusal(KmsException error) => error.Code == "AccessDeniedException"
        ? $"Access denied: {error.Message}"
        : $"{error.Code}: {error.Message}";

    private static int ErrorStatus(KmsException error) => error.Code == "AccessDeniedException" ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;

    private static string? DoneMessage(string done, string keyId) => done switch
    {
        "create" => $"Key {keyId} created.",
        "alias" => $"Alias added to key {keyId}.",
        "enable" => $"Key {keyId} enabled.",
        "disable" => $"Key {keyId} disabled. Data protected by it cannot be read, and if it protects new trace data, Tracevault stops storing until it is enabled.",
        "rotate" => $"Key {keyId} rotated: new ciphertext uses its newest version; older versions keep decrypting.",
        "schedule-deletion" => $"Key {keyId} scheduled for deletion.",
        "cancel-deletion" => $"Deletion of key {keyId} cancelled. The key is disabled until you enable it.",
        _ => null,
    };

    private Task RenderAsync(HttpContext context, ConsoleSession session, Message? message, int status)
    {
        var caller = session.CallerFor(context);
        var html = new HtmlWriter();
        html.Append($"<h1>Keys</h1>");
        List<KmsKey> keys;
        List<KmsAlias> aliases;
        try
        {
            keys = [];
            string? marker = null;
            do
            {
                var page = _kms.ListKeys(caller, 1000, marker);
                keys.AddRange(page.Items);
                marker = page.NextMarker;
            }
            while (marker is not null);

            aliases = [];
            marker = null;
            do
            {
                var page = _kms.ListAliases(caller, null, 1000, marker);
                aliases.AddRange(page.Items);
                marker = page.NextMarker;
            }
            while (marker is not null);
        }
        catch (KmsException error)
        {
            html.Raw(ConsoleErrors.Render(new Http.ApiException(error.Code, error.Message, ErrorStatus(error))));
            return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Keys", ConsoleSection.Keys, html.ToHtml()), ErrorStatus(error));
        }

        var now = _time.GetUtcNow();
        var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var usage = _audit.ReadUsage(caller.AccountId, month)
            .GroupBy(u => u.KeyArn, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var aliasesByKey = aliases.ToLookup(a => a.TargetKeyId, StringComparer.Ordinal);

        html.Raw(RenderCreateForm(session, message is { KeyId: null } ? message : null));
        if (message is { KeyId: not null } && !keys.Any(k => k.KeyId == message.KeyId || k.Arn == message.KeyId))
        {
            html.Raw(RenderMessage(message));
        }

        html.Append($"""
            <div class="table-wrap">
            <table class="keys" id="key-table">
            <thead><tr><th>Key</th><th>Aliases</th><th>Spec</th><th>State</th><th>Rotation</th><th>Created</th><th class="num">Requests in {month}</th><th class="num">Est. cost in {month}</th><th>Actions</th></tr></thead>
            <tbody>
            """);
        decimal total = 0;
        long totalRequests = 0;
        foreach (var key in keys.OrderBy(k => k.IsAwsManaged).ThenBy(k => k.CreationDate))
        {
            var keyUsage = usage.TryGetValue(key.Arn, out var found) ? found : [];
            var requests = keyUsage.Sum(u => u.Requests);
            var cost = Cost(key, requests);
            total += cost;
            totalRequests += requests;
            var breakdown = string.Join(", ", keyUsage.OrderByDescending(u => u.Requests).Select(u => $"{u.Operation} {u.Requests.ToString(CultureInfo.InvariantCulture)}"));
            html.Append($"""
                <tr data-key-id="{key.KeyId}" class="state-{key.State.ToString().ToLowerInvariant()}">
                <td class="key"><span class="id" title="{key.Arn}">{key.KeyId}</span>{(key.IsAwsManaged ? new TrustedHtml(" <span class=\"badge http\">AWS managed</span>") : TrustedHtml.Empty)}<div class="hint">{key.Description}</div></td>
                <td class="aliases">{string.Join(", ", aliasesByKey[key.KeyId].Select(a => a.AliasName))}</td>
                <td>{key.KeySpec}<div class="hint">{key.KeyUsage}</div></td>
                <td class="state"><span class="badge {StateClass(key.State)}">{key.State.ToString()}</span>{DeletionNote(key)}</td>
                <td class="rotation">{Rotation(key)}</td>
                <td class="time">{ConsoleFormat.Time(key.CreationDate)}</td>
                <td class="num requests" title="{breakdown}">{ConsoleFormat.Count(requests)}</td>
                <td class="num cost">{Dollars(cost)}</td>
                <td class="actions">{Actions(session, key)}{(message?.KeyId is { } id && (id == key.KeyId || id == key.Arn) ? RenderMessage(message) : TrustedHtml.Empty)}</td>
                </tr>
                """);
        }

        if (_settings.Get(caller.AccountId).Setting is { IsExternal: true, KeyArn: { } externalArn })
        {
            // The account's key in the external key service: shown for what it is, managed there, not here.
            var known = _dataKeys.FindExternalKeyStatus(externalArn);
            html.Append($"""
                <tr data-key-id="{externalArn}" class="external-key" id="external-key">
                <td class="key"><span class="id" title="{externalArn}">{externalArn[(externalArn.LastIndexOf('/') + 1)..]}</span> <span class="badge http">External</span><div class="hint">{externalArn}</div></td>
                <td class="aliases"></td>
                <td>SYMMETRIC_DEFAULT<div class="hint">ENCRYPT_DECRYPT</div></td>
                <td class="state"><span class="badge {(known is { Usable: true } ? "ok" : "partial")}">{known?.State ?? "Not checked yet"}</span></td>
                <td class="rotation">—</td>
                <td class="time">—</td>
                <td class="num requests">—</td>
                <td class="num cost">—</td>
                <td class="actions"><span class="hint">Managed in the external key service {_external.Endpoint}; Tracevault only uses it, through its grant.</span></td>
                </tr>
                """);
        }

        html.Append($"""
            </tbody>
            <tfoot><tr><th colspan="6">Total this month</th><th class="num" id="total-requests">{ConsoleFormat.Count(totalRequests)}</th><th class="num" id="total-cost">{Dollars(total)}</th><th></th></tr></tfoot>
            </table></div>
            <p class="hint">Estimated at AWS KMS prices: {Dollars(KeyUsage.KeyMonthPrice)} per customer managed key per month (none for AWS managed keys or keys pending deletion), {Dollars(KeyUsage.PricePerTenThousandRequests)} per 10,000 requests, before any free tier. Requests count every audited call on the key, Tracevault's own data-key calls included.</p>
            """);
        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Keys", ConsoleSection.Keys, html.ToHtml()), status);
    }

    /// <summary>A key's estimated cost for a month: the key-month for a customer key that is not pending deletion, plus its requests.</summary>
    public static decimal Cost(KmsKey key, long requests)
    {
        ArgumentNullException.ThrowIfNull(key);
        var monthly = key.IsAwsManaged || key.State == KeyState.PendingDeletion ? 0m : KeyUsage.KeyMonthPrice;
        return monthly + requests * KeyUsage.PricePerTenThousandRequests / 10_000m;
    }

    /// <summary>An amount in US dollars, with as many decimals as a small request cost needs (up to six).</summary>
    public static string Dollars(decimal amount) => "$" + amount.ToString("0.00####", CultureInfo.InvariantCulture);

    private static string StateClass(KeyState state) => state switch
    {
        KeyState.Enabled => "ok",
        KeyState.Disabled => "error",
        _ => "fault",
    };

    private static TrustedHtml DeletionNote(KmsKey key) => key.DeletionDate is { } date
        ? new HtmlWriter().Append($"<div class=\"hint deletion\">deleted on {ConsoleFormat.Time(date)}</div>").ToHtml()
        : TrustedHtml.Empty;

    private static TrustedHtml Rotation(KmsKey key)
    {
        if (!key.IsSymmetric)
        {
            return new HtmlWriter().Append($"<span class=\"hint\">not rotatable</span>").ToHtml();
        }

        var html = new HtmlWriter();
        if (key.RotationPeriodInDays is { } days)
        {
            html.Append($"every {days} days");
            if (key.NextRotationDate is { } next)
            {
                html.Append($"<div class=\"hint\">next {ConsoleFormat.Time(next)}</div>");
            }
        }
        else
        {
            html.Append($"off");
        }

        if (key.CurrentVersion > 1)
        {
            html.Append($"<div class=\"hint\">version {key.CurrentVersion}{(key.OnDemandRotations > 0 ? $", {key.OnDemandRotations} on demand" : "")}</div>");
        }

        return html.ToHtml();
    }

    private static TrustedHtml Actions(ConsoleSession session, KmsKey key)
    {
        if (key.IsAwsManaged)
        {
            return new HtmlWriter().Append($"<span class=\"hint\">Managed by Tracevault for X-Ray</span>").ToHtml();
        }

        var html = new HtmlWriter();
        html.Append($"<div class=\"key-actions\">");
        switch (key.State)
        {
            case KeyState.Enabled:
                html.Raw(Button(session, key, "disable", "Disable"));
                if (key.IsSymmetric)
                {
                    html.Raw(Button(session, key, "rotate", "Rotate now"));
                }

                break;
            case KeyState.Disabled:
                html.Raw(Button(session, key, "enable", "Enable"));
                break;
            case KeyState.PendingDeletion:
                html.Raw(Button(session, key, "cancel-deletion", "Cancel deletion"));
                break;
        }

        if (key.State != KeyState.PendingDeletion)
        {
            html.Append($"""
                <form method="post" action="/console/keys/alias" class="inline">{CsrfProtection.Field(session)}<input type="hidden" name="keyId" value="{key.KeyId}"><input name="alias" aria-label="New alias" placeholder="alias/name" size="12" required spellcheck="false" autocapitalize="off"><button type="submit">Add alias</button></form>
                <form method="post" action="/console/keys/schedule-deletion" class="inline">{CsrfProtection.Field(session)}<input type="hidden" name="keyId" value="{key.KeyId}"><input type="number" name="days" aria-label="Waiting period in days" min="7" max="30" value="30" required> days <button type="submit" class="danger">Schedule deletion</button></form>
                """);
        }

        html.Append($"</div>");
        return html.ToHtml();
    }

    private static TrustedHtml Button(ConsoleSession session, KmsKey key, string action, string label) =>
        new HtmlWriter().Append($"<form method=\"post\" action=\"/console/keys/{action}\" class=\"inline\">{CsrfProtection.Field(session)}<input type=\"hidden\" name=\"keyId\" value=\"{key.KeyId}\"><button type=\"submit\" data-action=\"{action}\">{label}</button></form>").ToHtml();

    private static TrustedHtml RenderCreateForm(ConsoleSession session, Message? message)
    {
        var html = new HtmlWriter();
        html.Append($"""
            <details class="panel create-key" id="create-key"{(message is not null ? new TrustedHtml(" open") : TrustedHtml.Empty)}>
            <summary><strong>Create a key</strong></summary>
            <form method="post" action="/console/keys/create" class="query" id="create-key-form">
            {CsrfProtection.Field(session)}
            <label>Key spec <select name="spec" id="create-spec">
            """);
        foreach (var spec in CreatableSpecs)
        {
            html.Append($"<option value=\"{spec}\">{(spec == KeySpecs.SymmetricDefault ? "Symmetric (SYMMETRIC_DEFAULT)" : spec)}</option>");
        }

        html.Append($"""
            </select></label>
            <label>Key usage <select name="usage" id="create-usage"><option value="ENCRYPT_DECRYPT">Encrypt and decrypt</option><option value="SIGN_VERIFY">Sign and verify</option></select></label>
            <label>Alias (optional) <input name="alias" id="create-alias" placeholder="alias/my-traces" spellcheck="false" autocapitalize="off"></label>
            <label class="filter">Description (optional) <input name="description" id="create-description" maxlength="8192"></label>
            <button type="submit" class="primary" id="create-key-button">Create key</button>
            </form>
            <p class="hint">Symmetric keys can protect trace data. Asymmetric keys (RSA, ECC) need a key usage; ECC_NIST_P256 can only sign and verify.</p>
            """);
        if (message is not null)
        {
            html.Raw(RenderMessage(message));
        }

        html.Append($"</details>");
        return html.ToHtml();
    }

    private static TrustedHtml RenderMessage(Message message) => message.Ok
        ? new HtmlWriter().Append($"<p class=\"done key-message\" role=\"status\">{message.Text}</p>").ToHtml()
        : new HtmlWriter().Append($"<p class=\"error key-message\" role=\"alert\">{message.Text}</p>").ToHtml();

    private sealed record Message(string? KeyId, bool Ok, string Text);
}
