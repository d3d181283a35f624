using Tracevault.Core.Policies;
using Tracevault.Server.Http;

namespace Tracevault.Server.XRay.Tags;

/// <summary>Authorizes a request on a group or sampling rule with the tag condition keys IAM gives it.</summary>
public static class TagAuthorization
{
    /// <summary>
    /// Requires the caller's identity policies to allow the request's operation on <paramref name="resourceArn"/>, with
    /// <c>aws:ResourceTag/KEY</c> from <paramref name="resourceTags"/>, <c>aws:RequestTag/KEY</c> from <paramref name="requestTags"/>
    /// and <c>aws:TagKeys</c> from <paramref name="tagKeys"/>.
    /// </summary>
    /// <exception cref="ApiException"><c>AccessDeniedException</c>, worded as AWS words it.</exception>
    public static void AuthorizeTagged(
        this ApiRequest request,
        string resourceArn,
        IReadOnlyList<KeyValuePair<string, string>> resourceTags,
        IReadOnlyList<KeyValuePair<string, string>>? requestTags = null,
        IEnumerable<string>? tagKeys = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ApiRequest.AuthorizeByIdentity(request.Caller, request.Protocol, request.Action, resourceArn, TagConditionKeys.Context(resourceTags, requestTags, tagKeys));
    }
}
