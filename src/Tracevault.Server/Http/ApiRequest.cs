using System.Text.Json;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;

namespace Tracevault.Server.Http;

/// <summary>An authenticated API request on its way to an operation.</summary>
/// <param name="Http">The HTTP exchange.</param>
/// <param name="Protocol">The protocol it arrived in.</param>
/// <param name="Operation">The operation's model name, e.g. <c>PutTraceSegments</c>.</param>
/// <param name="Caller">Who makes it.</param>
/// <param name="Body">The request body as received.</param>
public sealed record ApiRequest(HttpContext Http, ApiProtocol Protocol, string Operation, Caller Caller, ReadOnlyMemory<byte> Body)
{
    /// <summary>The account the request was sent into by an <see cref="AccountPath"/> prefix, or null when it acts on the caller's own.</summary>
    public string? TargetAccount { get; init; }

    /// <summary>The IAM action name of the operation, e.g. <c>kms:Encrypt</c>.</summary>
    public string Action => ActionPrefix(Protocol) + Operation;

    /// <summary>Parses the body as a JSON object; an empty body counts as <c>{}</c>.</summary>
    /// <exception cref="ApiException">The body is not a JSON object.</exception>
    public JsonDocument ReadJson()
    {
        if (Body.IsEmpty)
        {
            return JsonDocument.Parse("{}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Body, new JsonDocumentOptions { MaxDepth = WellFormedJson.DefaultMaxDepth });
        }
        catch (JsonException exception)
        {
            throw new ApiException(ErrorResponses.SerializationCode(Protocol), $"The request body is not valid JSON: {exception.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ApiException(ErrorResponses.SerializationCode(Protocol), "The request body must be a JSON object.");
        }

        return document;
    }

    /// <summary>Requires the caller's identity policies to allow this operation on <paramref name="resource"/>.</summary>
    /// <exception cref="ApiException"><c>AccessDeniedException</c>, worded as AWS words it.</exception>
    public void AuthorizeByIdentity(string resource = "*") => AuthorizeByIdentity(Caller, Protocol, Action, resource);

    /// <summary>Requires <paramref name="caller"/>'s identity policies to allow <paramref name="action"/> on <paramref name="resource"/>, its conditions given <paramref name="context"/>.</summary>
    /// <exception cref="ApiException"><c>AccessDeniedException</c>, worded as AWS words it.</exception>
    public static void AuthorizeByIdentity(Caller caller, ApiProtocol protocol, string action, string resource, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null)
    {
        var decision = caller.EvaluateIdentityPolicies(action, resource, context);
        if (decision == PolicyDecision.Allow)
        {
            return;
        }

        var reason = decision == PolicyDecision.Deny
            ? "with an explicit deny in an identity-based policy"
            : $"because no identity-based policy allows the {action} action";
        throw new ApiException("AccessDeniedException", $"User: {caller.Arn} is not authorized to perform: {action} on resource: {resource} {reason}", ErrorResponses.AuthStatus(protocol));
    }

    /// <summary>The IAM action prefix of a protocol's operations.</summary>
    public static string ActionPrefix(ApiProtocol protocol) => protocol switch
    {
        ApiProtocol.XRay => "xray:",
        ApiProtocol.Kms => "kms:",
        _ => "cloudtrail:",
    };
}
