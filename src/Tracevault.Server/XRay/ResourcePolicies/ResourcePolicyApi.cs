using System.Text.Json;
using Tracevault.Server.Http;
using Tracevault.Storage.ResourcePolicies;

namespace Tracevault.Server.XRay.ResourcePolicies;

/// <summary>X-Ray's <c>PutResourcePolicy</c>, <c>ListResourcePolicies</c> and <c>DeleteResourcePolicy</c>.</summary>
public sealed class ResourcePolicyApi
{
    private readonly ResourcePolicyService _policies;

    /// <summary>Creates the API.</summary>
    public ResourcePolicyApi(ResourcePolicyService policies) => _policies = policies;

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "PutResourcePolicy", PutAsync)
        .Map(ApiProtocol.XRay, "ListResourcePolicies", ListAsync)
        .Map(ApiProtocol.XRay, "DeleteResourcePolicy", DeleteAsync);

    private Task PutAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var name = OptionalString(root, "PolicyName") ?? throw Invalid("PolicyName is required.");
        var document = OptionalString(root, "PolicyDocument") ?? throw Invalid("PolicyDocument is required.");
        var revision = OptionalString(root, "PolicyRevisionId");
        var bypass = OptionalBoolean(root, "BypassPolicyLockoutCheck") ?? false;
        _policies.Authorize(request.Caller, request.Caller.AccountId, request.Action);
        var policy = _policies.Put(request.Caller, name, document, revision, bypass);
        return ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("ResourcePolicy");
            WritePolicy(writer, policy);
            writer.WriteEndObject();
        });
    }

    private Task ListAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var token = OptionalString(body.RootElement, "NextToken");
        if (token is { Length: < 1 or > 100 })
        {
            throw Invalid("NextToken must be 1 to 100 characters.");
        }

        _policies.Authorize(request.Caller, request.Caller.AccountId, request.Action);
        if (token is not null)
        {
            // An account's five policies fit one page: no answer ever carries a NextToken to send back.
            throw Invalid("The NextToken is not valid: ListResourcePolicies answers every policy in one page.");
        }

        var policies = _policies.List(request.Caller.AccountId);
        return ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ResourcePolicies");
            foreach (var policy in policies)
            {
                WritePolicy(writer, policy);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private Task DeleteAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var name = OptionalString(root, "PolicyName") ?? throw Invalid("PolicyName is required.");
        var revision = OptionalString(root, "PolicyRevisionId");
        _policies.Authorize(request.Caller, request.Caller.AccountId, request.Action);
        _policies.Delete(request.Caller, name, revision);
        return ApiResponses.WriteEmptyAsync(request);
    }

    private static void WritePolicy(Utf8JsonWriter writer, XRayResourcePolicy policy)
    {
        writer.WriteStartObject();
        writer.WriteString("PolicyName", policy.Name);
        writer.WriteString("PolicyDocument", policy.Document);
        writer.WriteString("PolicyRevisionId", policy.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteNumber("LastUpdatedTime", policy.LastUpdated.ToUnixTimeMilliseconds() / 1000.0);
        writer.WriteEndObject();
    }

    private static string? OptionalString(JsonElement root, string member) =>
        !root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null ? null
        : element.ValueKind == JsonValueKind.String ? element.GetString()
        : throw Invalid($"{member} must be a string.");

    private static bool? OptionalBoolean(JsonElement root, string member) =>
        !root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null ? null
        : element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean()
        : throw Invalid($"{member} must be true or false.");

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
