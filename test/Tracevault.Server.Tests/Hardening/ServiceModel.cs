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

    /// <summary>The error shapes the model lists for an operation.</summary>
    public IReadOnlyList<string> Errors(string operation) =>
        [.. _model["operations"]![operation]!["errors"]?.AsArray().Select(e => e!["shape"]!.GetValue<string>()) ?? []];

    /// <summary>
    /// The smallest input the model accepts for an operation: every required member, recursively, at its shape's minimum
    /// (strings of the minimum length or an enum's first value, numbers at their minimum, timestamps written by <paramref name="timestamp"/>,
    /// blobs by <paramref name="blob"/> or as the base64 of one byte).
    /// </summary>
    public JsonObject MinimalInput(string operation, Func<JsonNode> timestamp, Func<JsonNode>? blob = null) =>
        _model["operations"]![operation]!["input"]?["shape"]?.GetValue<string>() is { } input
            ? (JsonObject)MinimalValue(input, timestamp, blob)
            : [];

    private JsonNode MinimalValue(string shapeName, Func<JsonNode> timestamp, Func<JsonNode>? blob)
    {
        var shape = _model["shapes"]![shapeName]!;
        var min = shape["min"] is { } m ? (long)m.GetValue<double>() : 0;
        switch (shape["type"]!.GetValue<string>())
        {
            case "structure":
                var structure = new JsonObject();
                foreach (var required in shape["required"]?.AsArray() ?? [])
                {
                    var member = required!.GetValue<string>();
                    structure[member] = MinimalValue(shape["members"]![member]!["shape"]!.GetValue<string>(), timestamp, blob);
                }

                return structure;
            case "list":
                var list = new JsonArray();
                for (var i = 0; i < Math.Max(min, 1); i++)
                {
                    list.Add(MinimalValue(shape["member"]!["shape"]!.GetValue<string>(), timestamp, blob));
                }

                return list;
            case "map":
                return new JsonObject();
            case "string":
                return shape["enum"] is JsonArray values ? JsonValue.Create(values[0]!.GetValue<string>())! : JsonValue.Create(new string('x', (int)Math.Max(min, 1)))!;
            case "integer" or "long":
                return JsonValue.Create(Math.Max(min, 1))!;
            case "double" or "float":
                return JsonValue.Create(Math.Max(min, 0))!;
            case "boolean":
                return JsonValue.Create(false)!;
            case "timestamp":
                return timestamp();
            case "blob":
                return blob?.Invoke() ?? JsonValue.Create("eA==")!;
            default:
                throw new NotSupportedException($"Shape {shapeName} has a type the walk does not know.");
        }
    }
}
