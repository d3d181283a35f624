using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;
using Tracevault.Storage.Groups;

namespace Tracevault.Server.Console;

/// <summary>The account's X-Ray groups: list, create, edit (filter expression and insights) and delete, each as the signed-in user, validated as the API validates.</summary>
public sealed class GroupsPage
{
    private readonly GroupService _groups;
    private readonly ConsoleLayout _layout;

    /// <summary>Creates the page.</summary>
    public GroupsPage(GroupService groups, ConsoleLayout layout)
    {
        _groups = groups;
        _layout = layout;
    }

    /// <summary>GET <c>/console/groups</c>; <c>edit</c> opens a group's form, <c>done</c> and <c>group</c> say what succeeded.</summary>
    public Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var query = context.Request.Query;
        var done = DoneMessage(query["done"].ToString(), query["group"].ToString());
        var edit = query["edit"].ToString();
        if (edit.Length == 0)
        {
            return RenderAsync(context, session, done, CreateForm(), StatusCodes.Status200OK);
        }

        var caller = session.CallerFor(context);
        try
        {
            var group = FindAuthorized(caller, "xray:GetGroup", edit);
            return RenderAsync(context, session, done, EditForm(group), StatusCodes.Status200OK);
        }
        catch (ApiException error)
        {
            return RenderAsync(context, session, done, new GroupForm(false, edit, null, false, false, error), ConsoleErrors.Status(error));
        }
    }

    /// <summary>POST <c>/console/groups/{action}</c> (<c>create</c>, <c>update</c>, <c>delete</c>) as the signed-in user, then back to the list, or the form with the refusal.</summary>
    public Task ActAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var action = context.Request.RouteValues["action"]?.ToString() ?? "";
        var form = context.Request.Form;
        var caller = session.CallerFor(context);
        var name = form["GroupName"].ToString().Trim();
        var filter = form["FilterExpression"].ToString().Trim();
        var posted = new GroupForm(action == "create", name, filter, form["InsightsEnabled"] == "true", form["NotificationsEnabled"] == "true", null);
        try
        {
            switch (action)
            {
                case "create":
                    // As CreateGroup: validated first, then authorized on the new group's ARN.
                    var group = _groups.Prepare(caller.AccountId, name, filter.Length == 0 ? null : filter, posted.Insights, posted.Notifications, []);
                    ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, "xray:CreateGroup", _groups.Arn(group), TagConditionKeys.Context([]));
                    _groups.Create(group);
                    break;
                case "update":
                    var current = FindAuthorized(caller, "xray:UpdateGroup", name);
                    // The filter expression is not cleared by leaving it empty, as UpdateGroup leaves out what is not given.
                    _groups.Update(current, filter.Length == 0 || current.Name == GroupService.DefaultGroupName ? null : filter, posted.Insights, posted.Notifications);
                    break;
                case "delete":
                    _groups.Delete(FindAuthorized(caller, "xray:DeleteGroup", name));
                    break;
                default:
                    return RenderAsync(context, session, null, CreateForm() with { Error = new ApiException("InvalidRequestException", $"'{action}' is not an action on groups.") }, StatusCodes.Status404NotFound);
            }
        }
        catch (ApiException error)
        {
            return RenderAsync(context, session, null, (action == "delete" ? CreateForm() : posted) with { Error = error }, ConsoleErrors.Status(error));
        }

        ConsoleResponses.Redirect(context, ConsoleResponses.Link("/console/groups", ("done", action), ("group", name)));
        return Task.CompletedTask;
    }

    /// <summary>The group named <paramref name="name"/>, once <paramref name="caller"/> may perform <paramref name="action"/> on it (refused before learning whether it exists, as the API).</summary>
    private TraceGroup FindAuthorized(Caller caller, string action, string name)
    {
        var group = _groups.Find(caller.AccountId, name, null);
        ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, action, _groups.ResourceFor(caller.AccountId, name, null, group), TagConditionKeys.Context(group?.Tags ?? []));
        return group ?? throw GroupService.NotFound();
    }

    private static GroupForm CreateForm() => new(true, "", "", false, false, null);

    private static GroupForm EditForm(TraceGroup group) => new(false, group.Name, group.FilterExpression ?? "", group.InsightsEnabled, group.NotificationsEnabled, null);

    private static string? DoneMessage(string done, string name) => done switch
    {
        "create" => $"Group {name} created.",
        "update" => $"Group {name} updated.",
        "delete" => $"Group {name} deleted.",
        _ => null,
    };

    private Task RenderAsync(HttpContext context, ConsoleSession session, string? done, GroupForm form, int status)
    {
        var caller = session.CallerFor(context);
        var html = new HtmlWriter();
        html.Append($"<h1>Groups</h1>");
        if (done is not null)
        {
            html.Append($"<p class=\"done\" id=\"done-message\" role=\"status\">{done}</p>");
        }

        html.Raw(RenderForm(session, form));
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, GroupPicker.ListAction, "*");
            html.Raw(RenderList(session, _groups.List(caller.AccountId)));
        }
        catch (ApiException error)
        {
            html.Raw(ConsoleErrors.Render(error));
        }

        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Groups", ConsoleSection.Groups, html.ToHtml()), status);
    }

    private TrustedHtml RenderList(ConsoleSession session, IReadOnlyList<TraceGroup> groups)
    {
        var html = new HtmlWriter();
        html.Append($"""
            <div class="table-wrap">
            <table class="groups" id="group-table">
            <thead><tr><th>Name</th><th>Filter expression</th><th>Insights</th><th>Notifications</th><th>Scoped pages</th><th>Actions</th></tr></thead>
            <tbody>
            """);
        foreach (var group in groups)
        {
            var isDefault = group.Name == GroupService.DefaultGroupName;
            var scope = isDefault ? "" : group.Name;
            html.Append($"""
                <tr data-group="{group.Name}">
                <td class="name"><strong>{group.Name}</strong><div class="hint id">{_groups.Arn(group)}</div></td>
                <td class="filter">{(group.FilterExpression is { } filter ? new HtmlWriter().Append($"<code>{filter}</code>").ToHtml() : new HtmlWriter().Append($"<span class=\"hint\">every trace</span>").ToHtml())}</td>
                <td class="insights">{(group.InsightsEnabled ? "on" : "off")}</td>
                <td class="insight-notifications">{(group.NotificationsEnabled ? "on" : "off")}</td>
                <td><a href="{ConsoleResponses.Link("/console/traces", (GroupPicker.Parameter, scope))}">Traces</a> · <a href="{ConsoleResponses.Link("/console/map", (GroupPicker.Parameter, scope))}">Service map</a></td>
                <td class="actions"><a href="{ConsoleResponses.Link("/console/groups", ("edit", group.Name))}" class="edit">Edit</a>
                """);
            if (!isDefault)
            {
                html.Append($"""
                    <form method="post" action="/console/groups/delete" class="inline">{CsrfProtection.Field(session)}<input type="hidden" name="GroupName" value="{group.Name}"><button type="submit" class="danger" data-action="delete">Delete</button></form>
                    """);
            }

            html.Append($"</td></tr>\n");
        }

        html.Append($"</tbody></table></div>");
        return html.ToHtml();
    }

    private static TrustedHtml RenderForm(ConsoleSession session, GroupForm form)
    {
        var isDefault = !form.Create && form.Name == GroupService.DefaultGroupName;
        var html = new HtmlWriter();
        html.Append($"""
            <section class="panel group-form" id="{(form.Create ? "create-group" : "edit-group")}">
            <h2>{(form.Create ? "Create a group" : "Edit group " + form.Name)}</h2>
            <form method="post" action="/console/groups/{(form.Create ? "create" : "update")}" class="query" id="group-form">
            {CsrfProtection.Field(session)}
            """);
        if (form.Create)
        {
            html.Append($"<label>Name <input name=\"GroupName\" id=\"group-name\" value=\"{form.Name}\" maxlength=\"32\" required spellcheck=\"false\" autocapitalize=\"off\"></label>");
        }
        else
        {
            html.Append($"<input type=\"hidden\" name=\"GroupName\" value=\"{form.Name}\">");
        }

        if (!isDefault)
        {
            html.Append($"<label class=\"filter\">Filter expression <input name=\"FilterExpression\" id=\"group-filter\" value=\"{form.Filter}\" placeholder=\"e.g. service(&quot;checkout&quot;) {{ fault }}\" spellcheck=\"false\" autocapitalize=\"off\"></label>");
        }

        html.Append($"""
            <label class="choice"><input type="checkbox" name="InsightsEnabled" value="true" id="group-insights"{Checked(form.Insights)}> Insights</label>
            <label class="choice"><input type="checkbox" name="NotificationsEnabled" value="true" id="group-notifications"{Checked(form.Notifications)}> Insight notifications</label>
            <button type="submit" class="primary" id="group-submit">{(form.Create ? "Create group" : "Save")}</button>
            </form>
            """);
        if (form.Error is { } error)
        {
            html.Append($"<p class=\"error\" id=\"form-error\" role=\"alert\">{Refusal(error)}</p>");
        }

        html.Append($"""
            <p class="hint">{(isDefault ? "The Default group holds every trace: only its insights settings change." : form.Create ? "A group is the traces its filter expression picks; without one, every trace. group.name = \"NAME\" in a filter, and the group selector of Traces and Service map, stand for it." : "Leaving the filter expression empty keeps it as it is, as UpdateGroup does.")}</p>
            {(form.Create ? TrustedHtml.Empty : new HtmlWriter().Append($"<p><a href=\"/console/groups\">Create a group instead</a></p>").ToHtml())}
            </section>
            """);
        return html.ToHtml();
    }

    private static TrustedHtml Checked(bool value) => value ? new(" checked") : TrustedHtml.Empty;

    /// <summary>A refusal in words: access denied with the API's reason, or the API's error code and message.</summary>
    internal static string Refusal(ApiException error) => error.Code == "AccessDeniedException"
        ? $"Access denied: {error.Message}"
        : $"{error.Code}: {error.Message}";

    private sealed record GroupForm(bool Create, string Name, string? Filter, bool Insights, bool Notifications, ApiException? Error);
}
