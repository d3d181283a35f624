using Tracevault.Core.Identity;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;

namespace Tracevault.Server.Console;

/// <summary>The group selector of the Traces and Service map pages: the <c>group</c> query parameter scopes a page to one X-Ray group.</summary>
public static class GroupPicker
{
    /// <summary>The query parameter that carries the group's name.</summary>
    public const string Parameter = "group";

    /// <summary>The IAM action the selector needs to list the groups, as <c>GetGroups</c> does.</summary>
    public const string ListAction = "xray:GetGroups";

    /// <summary>The group a page's query names, or an empty string for all traces (the <c>Default</c> group holds every trace).</summary>
    public static string Selected(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var name = query[Parameter].ToString().Trim();
        return name == GroupService.DefaultGroupName ? string.Empty : name;
    }

    /// <summary>The filter expression that stands for a group, as a <c>GetTraceSummaries</c> caller writes it: <c>group.name = "NAME"</c>.</summary>
    public static string FilterFor(string groupName)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return "group.name = \"" + groupName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The selector: the account's groups when <paramref name="caller"/> may list them, otherwise a field to type a group's name in.</summary>
    public static TrustedHtml Render(GroupService groups, Caller caller, string selected)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(caller);
        IReadOnlyList<string> names;
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, ListAction, "*");
            names = groups.List(caller.AccountId).Select(g => g.Name).Where(n => n != GroupService.DefaultGroupName).ToList();
        }
        catch (ApiException)
        {
            return new HtmlWriter().Append($"<label>Group <input name=\"{Parameter}\" id=\"group\" value=\"{selected}\" placeholder=\"all traces\" size=\"14\" spellcheck=\"false\" autocapitalize=\"off\" title=\"You may not list groups ({ListAction}); type a group's name\"></label>").ToHtml();
        }

        var html = new HtmlWriter();
        html.Append($"<label>Group <select name=\"{Parameter}\" id=\"group\"><option value=\"\">All traces (Default)</option>");
        if (selected.Length > 0 && !names.Contains(selected, StringComparer.Ordinal))
        {
            // A group that is gone (or never was) stays selected, so the page can say so.
            html.Append($"<option value=\"{selected}\" selected>{selected}</option>");
        }

        foreach (var name in names)
        {
            html.Append($"<option value=\"{name}\"{(name == selected ? new TrustedHtml(" selected") : TrustedHtml.Empty)}>{name}</option>");
        }

        html.Append($"</select></label>");
        return html.ToHtml();
    }
}
