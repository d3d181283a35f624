using System.Text.Json;
using Tracevault.Core.Traces.Filters;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Tags;
using Tracevault.Storage.Groups;

namespace Tracevault.Server.XRay.Groups;

/// <summary>X-Ray's <c>CreateGroup</c>, <c>GetGroup</c>, <c>GetGroups</c>, <c>UpdateGroup</c> and <c>DeleteGroup</c>.</summary>
public sealed class GroupApi
{
    private readonly GroupService _groups;

    /// <summary>Creates the API.</summary>
    public GroupApi(GroupService groups) => _groups = groups;

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "CreateGroup", CreateAsync)
        .Map(ApiProtocol.XRay, "GetGroup", GetAsync)
        .Map(ApiProtocol.XRay, "GetGroups", ListAsync)
        .Map(ApiProtocol.XRay, "UpdateGroup", UpdateAsync)
        .Map(ApiProtocol.XRay, "DeleteGroup", DeleteAsync);

    /// <summary>Reads the optional <c>GroupName</c> and <c>GroupARN</c> members a request addresses a group with, checked against the model's lengths.</summary>
    /// <exception cref="ApiException">A member is not a string of the model's length.</exception>
    public static (string? Name, string? Arn) ReadGroupReference(JsonElement root) =>
        (OptionalString(root, "GroupName", 1, 32), OptionalString(root, "GroupARN", 1, 400));

    /// <summary>
    /// Authorizes a read the request may scope to a group (<c>GroupName</c> or <c>GroupARN</c>): on the group when it names one,
    /// else on the caller's identity; answers the group's filter expression, or null when every trace counts.
    /// </summary>
    public static FilterExpression? AuthorizeGroupScope(ApiRequest request, JsonElement root, GroupService groups)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(groups);
        var (name, arn) = ReadGroupReference(root);
        if (name is null && arn is null)
        {
            request.AuthorizeByIdentity();
            return null;
        }

        var account = request.Caller.AccountId;
        var group = groups.Find(account, name, arn);
        request.AuthorizeByIdentity(groups.ResourceFor(account, name, arn, group));
        return (group ?? throw GroupService.NotFound()).FilterExpression is { } text ? groups.ParseFilter(account, text) : null;
    }

    private Task CreateAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var name = OptionalString(root, "GroupName", 1, 32) ?? throw Invalid("GroupName is required.");
        var filter = OptionalString(root, "FilterExpression", 0, int.MaxValue);
        var (insights, notifications) = ReadInsights(root);
        var group = _groups.Prepare(request.Caller.AccountId, name, filter, insights ?? false, notifications ?? false, ReadTags(root));
        request.AuthorizeTagged(_groups.Arn(group), [], group.Tags, group.Tags.Select(t => t.Key));
        _groups.Create(group);
        return WriteGroupAsync(request, group);
    }

    private Task GetAsync(ApiRequest request)
    {
        var group = FindAuthorized(request);
        return WriteGroupAsync(request, group);
    }

    private Task ListAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        if (OptionalString(body.RootElement, "NextToken", 1, 100) is not null)
        {
            // Every group of an account fits one page: no answer ever carries a NextToken to send back.
            throw Invalid("The NextToken is not valid: GetGroups answers every group in one page.");
        }

        request.AuthorizeByIdentity();
        var groups = _groups.List(request.Caller.AccountId);
        return ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Groups");
            foreach (var group in groups)
            {
                WriteGroup(writer, group);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private Task UpdateAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var group = FindAuthorized(request, root);
        var filter = OptionalString(root, "FilterExpression", 0, int.MaxValue);
        var (insights, notifications) = ReadInsights(root);
        var updated = _groups.Update(group, filter, insights, notifications);
        return WriteGroupAsync(request, updated);
    }

    private Task DeleteAsync(ApiRequest request)
    {
        var group = FindAuthorized(request);
        _groups.Delete(group);
        return ApiResponses.WriteEmptyAsync(request);
    }

    private TraceGroup FindAuthorized(ApiRequest request)
    {
        using var body = request.ReadJson();
        return FindAuthorized(request, body.RootElement);
    }

    /// <summary>The group a request names, once the caller may act on it (its tags as <c>aws:ResourceTag/KEY</c>); a caller who may not is refused before learning whether it exists.</summary>
    private TraceGroup FindAuthorized(ApiRequest request, JsonElement root)
    {
        var (name, arn) = ReadGroupReference(root);
        var account = request.Caller.AccountId;
        var group = _groups.Find(account, name, arn);
        request.AuthorizeTagged(_groups.ResourceFor(account, name, arn, group), group?.Tags ?? []);
        return group ?? throw GroupService.NotFound();
    }

    private Task WriteGroupAsync(ApiRequest request, TraceGroup group) => ApiResponses.WriteAsync(request, writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("Group");
        WriteGroup(writer, group);
        writer.WriteEndObject();
    });

    private void WriteGroup(Utf8JsonWriter writer, TraceGroup group)
    {
        writer.WriteStartObject();
        writer.WriteString("GroupName", group.Name);
        writer.WriteString("GroupARN", _groups.Arn(group));
        if (group.FilterExpression is not null)
        {
            writer.WriteString("FilterExpression", group.FilterExpression);
        }

        writer.WriteStartObject("InsightsConfiguration");
        writer.WriteBoolean("InsightsEnabled", group.InsightsEnabled);
        writer.WriteBoolean("NotificationsEnabled", group.NotificationsEnabled);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static (bool? Insights, bool? Notifications) ReadInsights(JsonElement root)
    {
        if (!root.TryGetProperty("InsightsConfiguration", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("InsightsConfiguration must be an object.");
        }

        return (OptionalBoolean(element, "InsightsEnabled"), OptionalBoolean(element, "NotificationsEnabled"));
    }

    private static List<KeyValuePair<string, string>> ReadTags(JsonElement root) => XRayTags.ReadTags(root, "Tags", XRayTags.MaxTags);

    private static string? OptionalString(JsonElement root, string member, int min, int max)
    {
        if (!root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { } text || text.Length < min || text.Length > max)
        {
            throw Invalid(max == int.MaxValue ? $"{member} must be a string." : $"{member} must be a string of {min} to {max} characters.");
        }

        return text;
    }

    private static bool? OptionalBoolean(JsonElement root, string member) =>
        !root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null ? null
        : element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean()
        : throw Invalid($"InsightsConfiguration.{member} must be true or false.");

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
