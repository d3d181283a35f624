using System.Globalization;
using System.Text.Json;
using Tracevault.Core.Sampling;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Tagging;

namespace Tracevault.Server.XRay.Tags;

/// <summary>X-Ray's <c>TagResource</c>, <c>UntagResource</c> and <c>ListTagsForResource</c> on groups and sampling rules, addressed by ARN.</summary>
/// <remarks>
/// Each change is decided by the store against the tags it holds at that moment, so requests through several nodes at once all
/// apply and a resource never holds more than <see cref="XRayTags.MaxTags"/> tags. The <c>Default</c> group and sampling rule exist
/// in every account and can be tagged; they are stored the first time they are.
/// </remarks>
public sealed class TagApi
{
    private readonly GroupService _groups;
    private readonly IGroupRepository _groupStore;
    private readonly ISamplingRuleRepository _rules;
    private readonly SamplingApi _sampling;
    private readonly ServerOptions _options;
    private readonly ILogger<TagApi> _logger;

    /// <summary>Creates the API.</summary>
    public TagApi(GroupService groups, IGroupRepository groupStore, ISamplingRuleRepository rules, SamplingApi sampling, ServerOptions options, ILogger<TagApi> logger)
    {
        _groups = groups;
        _groupStore = groupStore;
        _rules = rules;
        _sampling = sampling;
        _options = options;
        _logger = logger;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "TagResource", TagAsync)
        .Map(ApiProtocol.XRay, "UntagResource", UntagAsync)
        .Map(ApiProtocol.XRay, "ListTagsForResource", ListAsync);

    private async Task TagAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var arn = ResourceArn(root);
        if (!root.TryGetProperty("Tags", out var listed) || listed.ValueKind == JsonValueKind.Null)
        {
            throw Invalid("Tags is required.");
        }

        var tags = XRayTags.ReadTags(root, "Tags", XRayTags.MaxListed);
        var resource = await FindAsync(request, arn).ConfigureAwait(false);
        request.AuthorizeTagged(resource.Arn, resource.Tags, tags, tags.Select(t => t.Key));
        await ChangeAsync(request, resource, new TagChange(tags, [], XRayTags.MaxTags)).ConfigureAwait(false);
        await ApiResponses.WriteEmptyAsync(request).ConfigureAwait(false);
    }

    private async Task UntagAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var arn = ResourceArn(root);
        var keys = XRayTags.ReadTagKeys(root, "TagKeys");
        var resource = await FindAsync(request, arn).ConfigureAwait(false);
        request.AuthorizeTagged(resource.Arn, resource.Tags, tagKeys: keys);
        await ChangeAsync(request, resource, new TagChange([], keys, XRayTags.MaxTags)).ConfigureAwait(false);
        await ApiResponses.WriteEmptyAsync(request).ConfigureAwait(false);
    }

    private async Task ListAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var arn = ResourceArn(root);
        if (root.TryGetProperty("NextToken", out var token) && token.ValueKind != JsonValueKind.Null)
        {
            // A resource's tags (50 at most) fit one page: no answer ever carries a NextToken to send back.
            throw Invalid("The NextToken is not valid: ListTagsForResource answers every tag of a resource in one page.");
        }

        var resource = await FindAsync(request, arn).ConfigureAwait(false);
        request.AuthorizeTagged(resource.Arn, resource.Tags);
        if (resource.ChangeAsync is null)
        {
            throw NotFound(arn);
        }

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Tags");
            foreach (var (key, value) in resource.Tags)
            {
                writer.WriteStartObject();
                writer.WriteString("Key", key);
                writer.WriteString("Value", value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task ChangeAsync(ApiRequest request, TaggedResource resource, TagChange change)
    {
        // Checked only once the caller may act on the resource, so a caller who may not never learns whether it exists.
        var outcome = resource.ChangeAsync is null
            ? TagChangeOutcome.NotFound
            : await resource.ChangeAsync(change, request.Http.RequestAborted).ConfigureAwait(false);
        switch (outcome)
        {
            case TagChangeOutcome.NotFound:
                throw NotFound(resource.Arn);
            case TagChangeOutcome.TooManyTags:
                throw new ApiException(
                    "TooManyTagsException",
                    string.Create(CultureInfo.InvariantCulture, $"{resource.Arn} would have more than {XRayTags.MaxTags} tags, the most a group or sampling rule may have: remove some first."));
        }

        LogMessages.ResourceTagsChanged(_logger, resource.Arn, request.Caller.Arn, change.Set.Count, change.Remove.Count);
    }

    /// <summary>The group or sampling rule an ARN names in the caller's account and this region.</summary>
    /// <exception cref="ApiException">The ARN is not shaped as a group's or a sampling rule's.</exception>
    private async Task<TaggedResource> FindAsync(ApiRequest request, string arn)
    {
        var account = request.Caller.AccountId;
        var parts = arn.Split(':', 6);
        var resource = parts.Length == 6 && parts[0] == "arn" && parts[2] == "xray" ? parts[5] : string.Empty;
        var ours = parts.Length == 6 && parts[1] == "aws" && parts[3] == _options.Region && parts[4] == account;
        if (resource.StartsWith("group/", StringComparison.Ordinal))
        {
            TraceGroup? group;
            try
            {
                group = ours ? _groups.Find(account, null, arn) : null;
            }
            catch (ApiException)
            {
                throw NotAnArn(arn);
            }

            return group is null ? new TaggedResource(arn, [], null) : new TaggedResource(_groups.Arn(group), group.Tags, (change, _) =>
            {
                if (group.Name == GroupService.DefaultGroupName)
                {
                    // The Default group is stored the first time it is tagged; until then it is implied.
                    _groupStore.TryAdd(group, GroupService.MaxGroups);
                }

                return Task.FromResult(_groupStore.ChangeTags(group.AccountId, group.Name, group.Id, change));
            });
        }

        if (resource.StartsWith("sampling-rule/", StringComparison.Ordinal))
        {
            var name = resource["sampling-rule/".Length..];
            if (name is not { Length: >= 1 and <= 32 } || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw NotAnArn(arn);
            }

            var stored = ours ? await _rules.FindAsync(account, name, request.Http.RequestAborted).ConfigureAwait(false) : null;
            if (stored is null && !(ours && name == SamplingRule.DefaultName))
            {
                return new TaggedResource(arn, [], null);
            }

            return new TaggedResource(_sampling.RuleArn(account, name), stored?.Tags ?? [], async (change, cancellation) =>
            {
                if (stored is null)
                {
                    // The Default rule is stored the first time it is tagged, as it is the first time it is edited.
                    var definition = new StoredSamplingRule(account, SamplingRule.Default, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, []);
                    await _rules.CreateAsync(definition, SamplingApi.MaxRules, cancellation).ConfigureAwait(false);
                }

                return await _rules.ChangeTagsAsync(account, name, change, cancellation).ConfigureAwait(false);
            });
        }

        throw NotAnArn(arn);
    }

    private static string ResourceArn(JsonElement root)
    {
        if (!root.TryGetProperty("ResourceARN", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw Invalid("ResourceARN is required.");
        }

        return element.ValueKind == JsonValueKind.String && element.GetString() is { Length: >= 1 and <= 1011 } arn
            ? arn
            : throw Invalid("ResourceARN must be a string of 1 to 1011 characters.");
    }

    private static ApiException NotAnArn(string arn) => Invalid(
        $"ResourceARN '{arn}' is not the ARN of an X-Ray group (arn:aws:xray:REGION:ACCOUNT:group/NAME/ID) or sampling rule (arn:aws:xray:REGION:ACCOUNT:sampling-rule/NAME).");

    private static ApiException NotFound(string arn) =>
        new("ResourceNotFoundException", $"Resource {arn} not found: the account has no such group or sampling rule in this region.", 404);

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
