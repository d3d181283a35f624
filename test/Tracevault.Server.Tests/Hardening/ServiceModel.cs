using System.Text.Json.Nodes;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>An AWS service model (<c>spec/models/&lt;service&gt;/service-2.json</c> in the shared contracts): operations, paths and input members.</summary>
public sealed class ServiceModel
{
    private readonly JsonObject _model;

    private ServiceModel(JsonObject model) => _model = model;

    /// <summary>The model of a protocol's service, or null where the shared contracts are absent.</summary>
    public static ServiceModel? Load(ApiProtocol protocol)
    {
        var name = protocol switch
        {
            ApiProtocol.XRay => "xray",
            ApiProtocol.Kms => "kms",
            _ => "cloudtrail",
        };
        var path = RepositoryPaths.Shared is { } shared ? Path.Combine(shared, "spec", "models", name, "service-2.json") : null;
        return path is not null && File.Exists(path) ? new ServiceModel(JsonNode.Parse(File.ReadAllText(path))!.AsObject()) : null;
    }

    /// <summary>The operations the model defines.</summary>
    public IReadOnlyList<string> Operations => [.. _model["operations"]!.AsObject().Select(o => o.Key)];

    /// <summary>The request path of a REST operation (X-Ray's <c>requestUri</c>).</summary>
    public string RequestUri(string operation) => _model["operations"]![operation]!["http"]!["requestUri"]!.GetValue<string>();

    /// <summary>The input members of an operation: name and shape type (<c>string</c>, <c>integer</c>, <c>timestamp</c>, <c>list</c>, …).</summary>
    public IReadOnlyList<(string Name, string Type, string? ElementType)> Members(string operation)
    {
        if (_model["operations"]![operation]!["input"]?["shape"]?.GetValue<string>() is not { } input)
        {
            return [];
        }

        var shapes = _model["shapes"]!;
        return [.. shapes[input]!["members"]!.AsObject().Select(member =>
        {
            var shape = shapes[member.Value!["shape"]!.GetValue<string>()]!;
            var type = shape["type"]!.GetValue<string>();
            var element = type == "list" ? shapes[shape["member"]!["shape"]!.GetValue<string>()]!["type"]!.GetValue<string>() : null;
            return (member.Key, type, element);
        })];
    }
}
