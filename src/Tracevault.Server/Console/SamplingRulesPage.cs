using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Core.Sampling;
using Tracevault.Server.Http;
using Tracevault.Server.XRay;
using Tracevault.Storage.Sampling;

namespace Tracevault.Server.Console;

/// <summary>The account's sampling rules in the order clients evaluate them: list, create, edit and delete as the signed-in user, validated by the API's own code.</summary>
/// <remarks>
/// A form post becomes the API's <c>SamplingRule</c> or <c>SamplingRuleUpdate</c> document (numbers as numbers when they are
/// numbers, anything else as typed) and goes through <see cref="SamplingRuleJson"/> and <see cref="SamplingRuleService"/>,
/// so the page refuses exactly what <c>CreateSamplingRule</c> and <c>UpdateSamplingRule</c> refuse, with the same words.
/// </remarks>
public sealed class SamplingRulesPage
{
    /// <summary>The IAM action the list needs, as <c>GetSamplingRules</c> does.</summary>
    public const string ListAction = "xray:GetSamplingRules";

    private const string BoostMaxRate = "BoostMaxRate";
    private const string BoostCooldown = "BoostCooldownWindowMinutes";

    /// <summary>The rule's fields as the form has them: member, label, and what the field looks like.</summary>
    private static readonly (string Name, string Label, string Kind)[] Fields =
    [
        ("Priority", "Priority", "number"),
        ("FixedRate", "Fixed rate (0 to 1)", "rate"),
        ("ReservoirSize", "Reservoir (per second)", "number"),
        ("ServiceName", "Service name", "text"),
        ("ServiceType", "Service type", "text"),
        ("Host", "Host", "text"),
        ("HTTPMethod", "HTTP method", "text"),
        ("URLPath", "URL path", "text"),
        ("ResourceARN", "Resource ARN", "text"),
        ("Attributes", "Attributes (key=value, one a line)", "lines"),
        (BoostMaxRate, "Boost: max rate (0 to 1, optional)", "rate"),
        (BoostCooldown, "Boost: cooldown (minutes)", "number"),
    ];

    /// <summary>What the Default rule's form may change: it matches every request, after every other rule.</summary>
    private static readonly HashSet<string> DefaultFields = new(["FixedRate", "ReservoirSize", BoostMaxRate, BoostCooldown], StringComparer.Ordinal);

    private readonly SamplingRuleService _rules;
    private readonly ConsoleLayout _layout;

    /// <summary>Creates the page.</summary>
    public SamplingRulesPage(SamplingRuleService rules, ConsoleLayout layout)
    {
        _rules = rules;
        _layout = layout;
    }

    /// <summary>GET <c>/console/sampling</c>; <c>edit</c> opens a rule's form, <c>done</c> and <c>rule</c> say what succeeded.</summary>
    public async Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var query = context.Request.Query;
        var done = DoneMessage(query["done"].ToString(), query["rule"].ToString());
        var edit = query["edit"].ToString();
        var form = CreateForm();
        var status = StatusCodes.Status200OK;
        if (edit.Length > 0)
        {
            try
            {
                var caller = session.CallerFor(context);
                ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, ListAction, "*");
                var rule = await _rules.FindAsync(caller.AccountId, edit, context.RequestAborted).ConfigureAwait(false) ?? throw SamplingRuleService.NoSuchRule(edit);
                form = EditForm(rule.Rule);
            }
            catch (ApiException error)
            {
                form = form with { Error = error };
                status = ConsoleErrors.Status(error);
            }
        }

        await RenderAsync(context, session, done, form, status).ConfigureAwait(false);
    }

    /// <summary>POST <c>/console/sampling/{action}</c> (<c>create</c>, <c>update</c>, <c>delete</c>) as the signed-in user, then back to the list, or the form with the refusal.</summary>
    public async Task ActAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var action = context.Request.RouteValues["action"]?.ToString() ?? "";
        var posted = context.Request.Form;
        var caller = session.CallerFor(context);
        var name = posted["RuleName"].ToString().Trim();
        var values = Fields.ToDictionary(f => f.Name, f => posted[f.Name].ToString(), StringComparer.Ordinal);
        values["RuleName"] = name;
        var form = new RuleForm(action == "create", name == SamplingRule.DefaultName && action != "create", values, null);
        var cancellation = context.RequestAborted;
        try
        {
            switch (action)
            {
                case "create":
                    // As CreateSamplingRule: the name, then the caller's permission on the rule's ARN, then the rule itself.
                    await AuthorizeAsync(caller, "xray:CreateSamplingRule", name, creating: true, cancellation).ConfigureAwait(false);
                    using (var document = ToDocument(values, create: true, isDefault: false))
                    {
                        await _rules.CreateAsync(caller, SamplingRuleJson.ReadRule(document.RootElement, name), [], cancellation).ConfigureAwait(false);
                    }

                    break;
                case "update":
                    await AuthorizeAsync(caller, "xray:UpdateSamplingRule", name, creating: false, cancellation).ConfigureAwait(false);
                    using (var document = ToDocument(values, create: false, isDefault: form.IsDefault))
                    {
                        var update = document.RootElement;
                        await _rules.UpdateAsync(caller, name, rule => SamplingRuleJson.ApplyUpdate(update, rule), cancellation).ConfigureAwait(false);
                    }

                    break;
                case "delete":
                    await AuthorizeAsync(caller, "xray:DeleteSamplingRule", name, creating: false, cancellation).ConfigureAwait(false);
                    await _rules.DeleteAsync(caller, name, cancellation).ConfigureAwait(false);
                    break;
                default:
                    await RenderAsync(context, session, null, CreateForm() with { Error = SamplingRuleJson.Invalid($"'{action}' is not an action on sampling rules.") }, StatusCodes.Status404NotFound).ConfigureAwait(false);
                    return;
            }
        }
        catch (ApiException error)
        {
            // A refused create or edit comes back as typed, with the reason; a refused delete, on the create form.
            await RenderAsync(context, session, null, (action == "delete" ? CreateForm() : form) with { Error = error }, ConsoleErrors.Status(error)).ConfigureAwait(false);
            return;
        }

        ConsoleResponses.Redirect(context, ConsoleResponses.Link("/console/sampling", ("done", action), ("rule", name)));
    }

    /// <summary>As the API authorizes: on the rule's ARN, with the stored rule's tags as <c>aws:ResourceTag/KEY</c> (a rule the page creates has none).</summary>
    private async Task AuthorizeAsync(Caller caller, string action, string name, bool creating, CancellationToken cancellation)
    {
        SamplingRuleService.CheckName(name);
        var tags = creating ? [] : (await _rules.FindAsync(caller.AccountId, name, cancellation).ConfigureAwait(false))?.Tags ?? [];
        ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, action, _rules.RuleArn(caller.AccountId, name), TagConditionKeys.Context(tags));
    }

    /// <summary>The form as the API's JSON: a <c>SamplingRule</c> to create, or a <c>SamplingRuleUpdate</c> (the Default rule's: rate, reservoir and boost only).</summary>
    private static JsonDocument ToDocument(Dictionary<string, string> values, bool create, bool isDefault)
    {
        var json = new JsonObject();
        if (create)
        {
            json["Version"] = 1;
        }

        foreach (var (name, _, kind) in Fields)
        {
            if (name is BoostMaxRate or BoostCooldown || (isDefault && !DefaultFields.Contains(name)))
            {
                continue;
            }

            var text = values[name];
            switch (kind)
            {
                case "text":
                    json[name] = text;
                    break;
                case "lines":
                    json[name] = Attributes(text);
                    break;
                default:
                    if (Number(text) is { } number)
                    {
                        json[name] = number;
                    }

                    break;
            }
        }

        var maxRate = Number(values[BoostMaxRate]);
        var cooldown = Number(values[BoostCooldown]);
        if (maxRate is not null || cooldown is not null)
        {
            var boost = new JsonObject();
            if (maxRate is not null)
            {
                boost["MaxRate"] = maxRate;
            }

            if (cooldown is not null)
            {
                boost["CooldownWindowMinutes"] = cooldown;
            }

            json["SamplingRateBoost"] = boost;
        }

        return JsonDocument.Parse(json.ToJsonString());
    }

    /// <summary>A number field as the API would receive it: a JSON number when it is one, the text as typed otherwise (for the API to refuse), nothing when empty.</summary>
    private static JsonValue? Number(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? JsonValue.Create(number)
            : JsonValue.Create(text);
    }

    private static JsonObject Attributes(string text)
    {
        var attributes = new JsonObject();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw SamplingRuleJson.Invalid($"Attributes: write one key=value a line; '{line}' has no '='.");
            }

            attributes[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return attributes;
    }

    private static RuleForm CreateForm()
    {
        var values = Fields.ToDictionary(f => f.Name, _ => "", StringComparer.Ordinal);
        foreach (var name in new[] { "ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath", "ResourceARN" })
        {
            values[name] = "*";
        }

        values["RuleName"] = "";
        values["FixedRate"] = "0.05";
        values["ReservoirSize"] = "1";
        return new RuleForm(true, false, values, null);
    }

    private static RuleForm EditForm(SamplingRule rule) => new(false, rule.IsDefault, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["RuleName"] = rule.Name,
        ["Priority"] = rule.Priority.ToString(CultureInfo.InvariantCulture),
        ["FixedRate"] = rule.FixedRate.ToString(CultureInfo.InvariantCulture),
        ["ReservoirSize"] = rule.ReservoirSize.ToString(CultureInfo.InvariantCulture),
        ["ServiceName"] = rule.ServiceName,
        ["ServiceType"] = rule.ServiceType,
        ["Host"] = rule.Host,
        ["HTTPMethod"] = rule.HttpMethod,
        ["URLPath"] = rule.UrlPath,
        ["ResourceARN"] = rule.ResourceArn,
        ["Attributes"] = string.Join("\n", rule.Attributes.Select(a => a.Key + "=" + a.Value)),
        [BoostMaxRate] = rule.RateBoost?.MaxRate.ToString(CultureInfo.InvariantCulture) ?? "",
        [BoostCooldown] = rule.RateBoost?.CooldownWindowMinutes.ToString(CultureInfo.InvariantCulture) ?? "",
    }, null);

    private static string? DoneMessage(string done, string name) => done switch
    {
        "create" => $"Sampling rule {name} created.",
        "update" => $"Sampling rule {name} updated.",
        "delete" => $"Sampling rule {name} deleted.",
        _ => null,
    };

    private async Task RenderAsync(HttpContext context, ConsoleSession session, string? done, RuleForm form, int status)
    {
        var caller = session.CallerFor(context);
        var html = new HtmlWriter();
        html.Append($"<h1>Sampling rules</h1>");
        if (done is not null)
        {
            html.Append($"<p class=\"done\" id=\"done-message\" role=\"status\">{done}</p>");
        }

        html.Raw(RenderForm(session, form));
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, ListAction, "*");
            html.Raw(RenderList(session, await _rules.ListAsync(caller.AccountId, context.RequestAborted).ConfigureAwait(false)));
        }
        catch (ApiException error)
        {
            html.Raw(ConsoleErrors.Render(error));
        }

        await ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Sampling rules", ConsoleSection.SamplingRules, html.ToHtml()), status).ConfigureAwait(false);
    }

    private static TrustedHtml RenderList(ConsoleSession session, List<StoredSamplingRule> rules)
    {
        var html = new HtmlWriter();
        html.Append($"""
            <p class="hint">In the order clients evaluate them: lowest priority first, then by name; the first rule that matches a request decides.</p>
            <div class="table-wrap">
            <table class="sampling-rules" id="rule-table">
            <thead><tr><th class="num">Priority</th><th>Name</th><th>Actions</th><th class="num">Fixed rate</th><th class="num">Reservoir</th><th>Service name</th><th>Service type</th><th>Host</th><th>Method</th><th>URL path</th><th>Resource ARN</th><th>Attributes</th><th>Boost</th></tr></thead>
            <tbody>
            """);
        foreach (var stored in rules)
        {
            var rule = stored.Rule;
            html.Append($"""
                <tr data-rule="{rule.Name}">
                <td class="num priority">{rule.Priority.ToString(CultureInfo.InvariantCulture)}</td>
                <td class="name"><strong>{rule.Name}</strong></td>
                <td class="actions"><a href="{ConsoleResponses.Link("/console/sampling", ("edit", rule.Name))}" class="edit">Edit</a>
                """);
            if (!rule.IsDefault)
            {
                html.Append($"""
                    <form method="post" action="/console/sampling/delete" class="inline">{CsrfProtection.Field(session)}<input type="hidden" name="RuleName" value="{rule.Name}"><button type="submit" class="danger" data-action="delete">Delete</button></form>
                    """);
            }

            html.Append($"""
                </td>
                <td class="num fixed-rate">{rule.FixedRate.ToString(CultureInfo.InvariantCulture)}</td>
                <td class="num reservoir">{rule.ReservoirSize.ToString(CultureInfo.InvariantCulture)}/s</td>
                <td class="service-name">{rule.ServiceName}</td>
                <td class="service-type">{rule.ServiceType}</td>
                <td class="host">{rule.Host}</td>
                <td class="method">{rule.HttpMethod}</td>
                <td class="url-path">{rule.UrlPath}</td>
                <td class="resource-arn">{rule.ResourceArn}</td>
                <td class="attributes">{string.Join(", ", rule.Attributes.Select(a => a.Key + "=" + a.Value))}</td>
                <td class="boost">{(rule.RateBoost is { } boost ? string.Create(CultureInfo.InvariantCulture, $"up to {boost.MaxRate}, once per {boost.CooldownWindowMinutes} min") : "none")}</td>
                </tr>
                """);
        }

        html.Append($"</tbody></table></div>");
        return html.ToHtml();
    }

    private static TrustedHtml RenderForm(ConsoleSession session, RuleForm form)
    {
        var name = form.Values.GetValueOrDefault("RuleName") ?? "";
        var html = new HtmlWriter();
        html.Append($"""
            <section class="panel rule-form" id="{(form.Create ? "create-rule" : "edit-rule")}">
            <h2>{(form.Create ? "Create a sampling rule" : "Edit sampling rule " + name)}</h2>
            <form method="post" action="/console/sampling/{(form.Create ? "create" : "update")}" class="query" id="rule-form">
            {CsrfProtection.Field(session)}
            """);
        if (form.Create)
        {
            html.Append($"<label>Name <input name=\"RuleName\" id=\"rule-RuleName\" value=\"{name}\" maxlength=\"32\" spellcheck=\"false\" autocapitalize=\"off\"></label>");
        }
        else
        {
            html.Append($"<input type=\"hidden\" name=\"RuleName\" value=\"{name}\">");
        }

        foreach (var (field, label, kind) in Fields)
        {
            if (form.IsDefault && !DefaultFields.Contains(field))
            {
                continue;
            }

            var value = form.Values.GetValueOrDefault(field) ?? "";
            if (kind == "lines")
            {
                html.Append($"<label>{label} <textarea name=\"{field}\" id=\"rule-{field}\" rows=\"2\" cols=\"24\" spellcheck=\"false\" autocapitalize=\"off\">{value}</textarea></label>");
            }
            else
            {
                // Plain text inputs, not type=number: the server decides what is valid, as the API does, and says why.
                html.Append($"<label>{label} <input name=\"{field}\" id=\"rule-{field}\" value=\"{value}\" size=\"{(kind == "text" ? 16 : 6)}\" spellcheck=\"false\" autocapitalize=\"off\"></label>");
            }
        }

        html.Append($"""
            <button type="submit" class="primary" id="rule-submit">{(form.Create ? "Create rule" : "Save")}</button>
            </form>
            """);
        if (form.Error is { } error)
        {
            html.Append($"<p class=\"error\" id=\"form-error\" role=\"alert\">{GroupsPage.Refusal(error)}</p>");
        }

        html.Append($"""
            <p class="hint">{(form.IsDefault ? "The Default rule matches every request, after every other rule: only its fixed rate, reservoir and boost can change, and it cannot be deleted." : "Service name, type, host, method, URL path and resource ARN match with * and ? wildcards. A rule's boost can be changed but not removed, as with UpdateSamplingRule.")}</p>
            {(form.Create ? TrustedHtml.Empty : new HtmlWriter().Append($"<p><a href=\"/console/sampling\">Create a rule instead</a></p>").ToHtml())}
            </section>
            """);
        return html.ToHtml();
    }

    private sealed record RuleForm(bool Create, bool IsDefault, Dictionary<string, string> Values, ApiException? Error);
}
