using System.Net;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Server.Auth;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.ResourcePolicies;

namespace Tracevault.Server.Otlp;

/// <summary>Who sends an OTLP export: a SigV4-signed user (service <c>xray</c>) allowed <c>xray:PutTraceSegments</c>, or an unsigned sender on loopback.</summary>
/// <remarks>Unsigned exports are taken from this machine only, into the account unsigned UDP segments go to, as a local collector or the X-Ray daemon is trusted.</remarks>
public sealed class OtlpCallers
{
    /// <summary>The IAM action an export needs, the same as <c>PutTraceSegments</c>.</summary>
    public const string Action = "xray:PutTraceSegments";

    private static readonly PolicyDocument LocalExportPolicy = PolicyDocument.Parse(
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:PutTraceSegments","Resource":"*"}]}""");

    private static readonly ApiRoute Route = new(ApiProtocol.XRay, "PutTraceSegments", true);

    private readonly RequestAuthenticator _authenticator;
    private readonly DataDirectory _data;
    private readonly ResourcePolicyService _policies;

    /// <summary>Creates the authenticator.</summary>
    public OtlpCallers(RequestAuthenticator authenticator, DataDirectory data, ResourcePolicyService policies)
    {
        _authenticator = authenticator;
        _data = data;
        _policies = policies;
    }

    /// <summary>Whether the request carries a SigV4 signature (header or query).</summary>
    public static bool IsSigned(HttpRequest request) =>
        request.Headers.ContainsKey("Authorization") || request.Query.ContainsKey("X-Amz-Signature");

    /// <summary>The caller of an OTLP export, allowed to store spans in its own account.</summary>
    /// <exception cref="OtlpRequestException">401 when unsigned from another machine or badly signed; 403 when the user may not put trace segments.</exception>
    public Caller Authenticate(HttpContext context, ReadOnlySpan<byte> rawBody) => Authenticate(context, rawBody, null);

    /// <summary>The caller of an OTLP export, allowed to store spans in <paramref name="targetAccount"/> (null: its own account) by the policies of both.</summary>
    /// <exception cref="OtlpRequestException">401 when unsigned from another machine or badly signed; 403 when the user may not put trace segments there.</exception>
    public Caller Authenticate(HttpContext context, ReadOnlySpan<byte> rawBody, string? targetAccount)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (!IsSigned(context.Request))
        {
            if (remote is null || !ClientAddress.IsLocal(context))
            {
                throw new OtlpRequestException(401, OtlpRequestException.Unauthenticated,
                    "MissingAuthenticationTokenException: unsigned OTLP exports are accepted from this machine only; sign the request with SigV4 (service xray).");
            }

            if (targetAccount is not null)
            {
                throw new OtlpRequestException(401, OtlpRequestException.Unauthenticated,
                    "MissingAuthenticationTokenException: an export into another account's path must be signed with SigV4 (service xray), so its resource policies can name the sender.");
            }

            return Local(remote, context.Request.Headers.UserAgent.ToString());
        }

        Caller caller;
        try
        {
            caller = _authenticator.Authenticate(context, Route, rawBody);
        }
        catch (ApiException exception)
        {
            throw new OtlpRequestException(exception.StatusCode == 400 ? 401 : exception.StatusCode, OtlpRequestException.Unauthenticated, $"{exception.Code}: {exception.Message}");
        }

        try
        {
            _policies.Authorize(caller, targetAccount ?? caller.AccountId, Action);
        }
        catch (ApiException exception)
        {
            throw new OtlpRequestException(403, OtlpRequestException.PermissionDenied, $"{exception.Code}: {exception.Message}");
        }

        return caller;
    }

    /// <summary>The caller of an unsigned export from loopback.</summary>
    public Caller Local(IPAddress remote, string userAgent)
    {
        var account = _data.DefaultAccount.Id;
        return new Caller(account, Caller.AccountRootArn(account), "local-otlp", null, [LocalExportPolicy]) { SourceIp = remote.ToString(), UserAgent = userAgent };
    }
}
