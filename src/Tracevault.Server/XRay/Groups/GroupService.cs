using System.Globalization;
using System.Security.Cryptography;
using Tracevault.Core.Traces.Filters;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Tags;
using Tracevault.Storage.Groups;

namespace Tracevault.Server.XRay.Groups;

/// <summary>X-Ray groups as the API, the queries and the console see them: the <c>Default</c> group, ARNs, validation and limits.</summary>
/// <remarks>Thread-safe; every answer is read from the shared store, so every node sees a change at once.</remarks>
public sealed class GroupService
{
    /// <summary>The built-in group every account has: no filter expression, never created nor deleted.</summary>
    public const string DefaultGroupName = "Default";

    /// <summary>How many groups an account may create, besides <c>Default</c>: 25, X-Ray's quota (not adjustable).</summary>
    public const int MaxGroups = 25;

    /// <summary>How many tags a group may carry: 50, AWS's limit of user tags per resource.</summary>
    public const int MaxTags = XRayTags.MaxTags;

    /// <summary>How long the unique id in a group's ARN is, in characters (base32 capitals and digits).</summary>
    public const int IdLength = 32;

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly IGroupRepository _groups;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    public GroupService(IGroupRepository groups, ServerOptions options, TimeProvider time)
    {
        _groups = groups;
        _options = options;
        _time = time;
    }

    /// <summary>The ARN X-Ray gives a group: <c>arn:aws:xray:REGION:ACCOUNT:group/NAME/ID</c>, without the id for <c>Default</c>.</summary>
    public string Arn(TraceGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Arn(group.AccountId, group.Name, group.Id);
    }

    /// <summary>An account's groups, <c>Default</c> first, then oldest first.</summary>
    public IReadOnlyList<TraceGroup> List(string accountId)
    {
        var stored = _groups.List(accountId);
        return [stored.FirstOrDefault(g => g.Name == DefaultGroupName) ?? DefaultGroup(accountId), .. stored.Where(g => g.Name != DefaultGroupName)];
    }

    /// <summary>Finds a group by name or by ARN (at least one given; when both, they must agree), or null when the account has none such.</summary>
    /// <exception cref="ApiException">Neither is given, or they disagree, or the ARN is malformed.</exception>
    public TraceGroup? Find(string accountId, string? name, string? arn)
    {
        var wanted = Reference(accountId, name, arn);
        var group = wanted.Name == DefaultGroupName ? _groups.Find(accountId, DefaultGroupName) ?? DefaultGroup(accountId) : _groups.Find(accountId, wanted.Name);
        return group is not null && (wanted.Id is null || wanted.Id == group.Id) ? group : null;
    }

    /// <summary>The ARN to authorize a request about a group with: the group's own, or, when there is none, the one the request names.</summary>
    public string ResourceFor(string accountId, string? name, string? arn, TraceGroup? found) =>
        found is not null ? Arn(found) : arn ?? Arn(accountId, name ?? string.Empty, string.Empty);

    /// <summary>A new group, validated; not stored yet.</summary>
    /// <exception cref="ApiException">Something in it is not valid.</exception>
    public TraceGroup Prepare(string accountId, string name, string? filterExpression, bool insightsEnabled, bool notificationsEnabled, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        CheckName(name);
        if (name == DefaultGroupName)
        {
            throw Invalid("Default is a reserved group name: the Default group exists in every account and cannot be created.");
        }

        CheckFilter(filterExpression);
        CheckInsights(insightsEnabled, notificationsEnabled);
        CheckTags(tags);
        return new TraceGroup(accountId, name, RandomNumberGenerator.GetString(IdAlphabet, IdLength), filterExpression, insightsEnabled, notificationsEnabled, tags, _time.GetUtcNow());
    }

    /// <summary>Stores a group <see cref="Prepare"/> made.</summary>
    /// <exception cref="ApiException">The name is taken, or the account holds <see cref="MaxGroups"/> groups.</exception>
    public void Create(TraceGroup group)
    {
        switch (_groups.TryAdd(group, MaxGroups))
        {
            case GroupAddOutcome.NameTaken:
                throw Invalid($"A group named '{group.Name}' already exists.");
            case GroupAddOutcome.LimitReached:
                throw Invalid(string.Create(CultureInfo.InvariantCulture, $"The account has {MaxGroups} groups, the most it may have besides Default: delete one first."));
        }
    }

    /// <summary>Changes a group's filter expression and insights settings (each only when given) and answers it as it is now.</summary>
    /// <exception cref="ApiException">The change is not valid, or the group no longer exists.</exception>
    public TraceGroup Update(TraceGroup group, string? filterExpression, bool? insightsEnabled, bool? notificationsEnabled)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (filterExpression is not null && group.Name == DefaultGroupName)
        {
            throw Invalid("The Default group holds every trace: its filter expression cannot be set.");
        }

        CheckFilter(filterExpression);
        var updated = group with
        {
            FilterExpression = filterExpression ?? group.FilterExpression,
            InsightsEnabled = insightsEnabled ?? group.InsightsEnabled,
            NotificationsEnabled = notificationsEnabled ?? group.NotificationsEnabled,
        };
        CheckInsights(updated.InsightsEnabled, updated.NotificationsEnabled);
        if (group.Name == DefaultGroupName)
        {
            // The Default group is stored the first time its insights settings change; until then it is implied.
            _groups.TryAdd(group, MaxGroups);
        }

        return _groups.TryReplace(updated) ? updated : throw NotFound();
    }

    /// <summary>Deletes a group.</summary>
    /// <exception cref="ApiException">It is the Default group, or it no longer exists.</exception>
    public void Delete(TraceGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Name == DefaultGroupName)
        {
            throw Invalid("The Default group cannot be deleted.");
        }

        if (!_groups.TryDelete(group.AccountId, group.Name, group.Id))
        {
            throw NotFound();
        }
    }

    /// <summary>Looks up, for a filter expression of <paramref name="accountId"/>, the groups it names by name or ARN.</summary>
    public FilterGroupResolver ResolverFor(string accountId) => reference =>
    {
        TraceGroup? group;
        try
        {
            group = reference.ByArn ? Find(accountId, null, reference.Value) : Find(accountId, reference.Value, null);
        }
        catch (ApiException)
        {
            return null;
        }

        return group is null ? null : group.FilterExpression ?? string.Empty;
    };

    /// <summary>Parses a filter expression of <paramref name="accountId"/>, its groups looked up; a problem is answered as <c>InvalidRequestException</c>.</summary>
    public FilterExpression ParseFilter(string accountId, string text)
    {
        try
        {
            return FilterExpression.Parse(text, ResolverFor(accountId));
        }
        catch (FilterExpressionException exception)
        {
            throw Invalid(exception.Message);
        }
    }

    /// <summary>The error for a group that does not exist.</summary>
    public static ApiException NotFound() => Invalid("Group not found.");

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);

    private static void CheckName(string name)
    {
        if (name is not { Length: >= 1 and <= 32 })
        {
            throw Invalid("GroupName must be 1 to 32 characters long.");
        }

        if (name.Any(c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Invalid($"GroupName '{name}' is not valid: a group name cannot hold '/', spaces or control characters.");
        }
    }

    private static void CheckFilter(string? filterExpression)
    {
        if (filterExpression is null)
        {
            return;
        }

        try
        {
            // Groups cannot be defined by other groups: parsed without a lookup, group.name and group.arn are refused.
            FilterExpression.Parse(filterExpression);
        }
        catch (FilterExpressionException exception)
        {
            throw Invalid(exception.Message);
        }
    }

    private static void CheckInsights(bool insightsEnabled, bool notificationsEnabled)
    {
        if (notificationsEnabled && !insightsEnabled)
        {
            throw Invalid("NotificationsEnabled can only be true on a group with InsightsEnabled set to true.");
        }
    }

    private static void CheckTags(IReadOnlyList<KeyValuePair<string, string>> tags) => XRayTags.Check(tags);

    private (string Name, string? Id) Reference(string accountId, string? name, string? arn)
    {
        if (name is null && arn is null)
        {
            throw Invalid("GroupName or GroupARN is required.");
        }

        if (arn is null)
        {
            return (name!, null);
        }

        // arn:aws:xray:REGION:ACCOUNT:group/NAME[/ID]; the name holds no '/'.
        var parts = arn.Split(':', 6);
        var resource = parts.Length == 6 ? parts[5].Split('/') : [];
        if (parts.Length != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "xray" || resource.Length is < 2 or > 3 || resource[0] != "group" || resource[1].Length == 0)
        {
            throw Invalid($"GroupARN '{arn}' is not a group ARN (arn:aws:xray:REGION:ACCOUNT:group/NAME/ID).");
        }

        if (name is not null && name != resource[1])
        {
            throw Invalid($"GroupName '{name}' and GroupARN '{arn}' name different groups.");
        }

        // A group of another region or account is not one of this account's: not found, as any unknown group.
        return parts[3] == _options.Region && parts[4] == accountId ? (resource[1], resource.Length == 3 ? resource[2] : string.Empty) : (string.Empty, "-");
    }

    private string Arn(string accountId, string name, string id) =>
        id.Length == 0 ? $"arn:aws:xray:{_options.Region}:{accountId}:group/{name}" : $"arn:aws:xray:{_options.Region}:{accountId}:group/{name}/{id}";

    private static TraceGroup DefaultGroup(string accountId) => new(accountId, DefaultGroupName, string.Empty, null, false, false, [], DateTimeOffset.UnixEpoch);
}
