namespace Tracevault.Server.Http;

/// <summary>The wire protocols served on the HTTP port.</summary>
public enum ApiProtocol
{
    /// <summary>X-Ray's REST-JSON API, dispatched by path; signing name <c>xray</c>.</summary>
    XRay,

    /// <summary>The KMS JSON 1.1 API, dispatched by <c>X-Amz-Target: TrentService.*</c>; signing name <c>kms</c>.</summary>
    Kms,

    /// <summary>CloudTrail's JSON 1.1 API, dispatched by target; signing name <c>cloudtrail</c>.</summary>
    CloudTrail,
}
