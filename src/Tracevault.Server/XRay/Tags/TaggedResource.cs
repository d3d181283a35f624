using Tracevault.Storage.Tagging;

namespace Tracevault.Server.XRay.Tags;

/// <summary>A group or sampling rule a tagging request names: the ARN to authorize, its tags, and how to change them.</summary>
/// <param name="Arn">The resource's own ARN, or the ARN as the request gave it when there is no such resource.</param>
/// <param name="Tags">The resource's tags as stored; empty when there is no such resource.</param>
/// <param name="ChangeAsync">Changes the resource's tags in the store; null when there is no such resource.</param>
internal sealed record TaggedResource(
    string Arn,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    Func<TagChange, CancellationToken, Task<TagChangeOutcome>>? ChangeAsync);
