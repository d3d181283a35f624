using Tracevault.Server.XRay;

namespace Tracevault.Server.Http;

/// <summary>Where an HTTP request goes: a protocol and an operation, found from its target header or path.</summary>
/// <param name="Protocol">The protocol.</param>
/// <param name="Operation">The operation's name, or the unknown name the client asked for.</param>
/// <param name="Known">Whether the protocol defines the operation.</param>
public sealed record ApiRoute(ApiProtocol Protocol, string Operation, bool Known)
{
    /// <summary>The KMS target prefix.</summary>
    public const string KmsTargetPrefix = "TrentService.";

    /// <summary>The CloudTrail target prefix, as the service model and botocore send it.</summary>
    public const string CloudTrailTargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

    /// <summary>The CloudTrail target prefix the Smithy-built AWS SDK for JavaScript v3 sends: the service shape's name alone.</summary>
    public const string CloudTrailShortTargetPrefix = "CloudTrail_20131101.";

    /// <summary>The account the request names with an <see cref="AccountPath"/> prefix, or null when it acts on the caller's own.</summary>
    public string? TargetAccount { get; init; }

    /// <summary>The SigV4 signing name of the route's service.</summary>
    public string SigningService => Protocol switch
    {
        ApiProtocol.XRay => "xray",
        ApiProtocol.Kms => "kms",
        _ => "cloudtrail",
    };

    /// <summary>Finds the route of a request, or null when it is not an API call (the console's pages).</summary>
    public static ApiRoute? Find(HttpRequest request)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        if (target.Length > 0)
        {
            if (target.StartsWith(KmsTargetPrefix, StringComparison.Ordinal))
            {
                return new ApiRoute(ApiProtocol.Kms, target[KmsTargetPrefix.Length..], true);
            }

            if (target.StartsWith(CloudTrailTargetPrefix, StringComparison.Ordinal))
            {
                return new ApiRoute(ApiProtocol.CloudTrail, target[CloudTrailTargetPrefix.Length..], true);
            }

            if (target.StartsWith(CloudTrailShortTargetPrefix, StringComparison.Ordinal))
            {
                return new ApiRoute(ApiProtocol.CloudTrail, target[CloudTrailShortTargetPrefix.Length..], true);
            }

            return new ApiRoute(ApiProtocol.Kms, target, false);
        }

        var path = request.Path.Value ?? "/";
        if (AccountPath.TrySplit(path, out var account, out var rest) && XRayOperations.TryFind(rest, out var intoAccount))
        {
            return new ApiRoute(ApiProtocol.XRay, intoAccount, true) { TargetAccount = account };
        }

        if (XRayOperations.TryFind(path, out var operation))
        {
            return new ApiRoute(ApiProtocol.XRay, operation, true);
        }

        if (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method) || HttpMethods.IsPatch(request.Method))
        {
            if (!path.StartsWith("/console/", StringComparison.Ordinal))
            {
                return new ApiRoute(ApiProtocol.XRay, path, false);
            }
        }

        return null;
    }
}
