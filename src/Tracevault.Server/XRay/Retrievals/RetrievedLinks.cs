using System.Text.Json;
using Tracevault.Core.Traces;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>The span links of retrieved traces (a document's <c>links</c>) to other traces, by the name of the service whose document holds them.</summary>
public static class RetrievedLinks
{
    /// <summary>Per service name: each trace that links elsewhere, with the traces it links to.</summary>
    public static Dictionary<string, List<(string Source, List<string> Destinations)>> ByService(IEnumerable<AssembledTrace> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var result = new Dictionary<string, List<(string, List<string>)>>(StringComparer.Ordinal);
        foreach (var trace in traces)
        {
            var byService = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            var names = new Dictionary<string, (string? Name, string? Parent, bool Segment)>(StringComparer.Ordinal);
            var linked = new List<(string Id, string Target)>();
            foreach (var document in trace.StoredDocuments)
            {
                using var parsed = JsonDocument.Parse(document.Utf8Document);
                var root = parsed.RootElement;
                var id = Text(root, "id") ?? "";
                names.TryAdd(id, (Text(root, "name"), Text(root, "parent_id"), Text(root, "type") != "subsegment"));
                if (root.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Array)
                {
                    foreach (var link in links.EnumerateArray())
                    {
                        if (Text(link, "trace_id") is { } target && !string.Equals(target, trace.Id, StringComparison.OrdinalIgnoreCase))
                        {
                            linked.Add((id, target));
                        }
                    }
                }
            }

            foreach (var (id, target) in linked)
            {
                // A subsegment's service is its segment's: follow parent ids up to it.
                var current = id;
                string? service = null;
                for (var depth = 0; depth < 64 && names.TryGetValue(current, out var entry); depth++)
                {
                    if (entry.Segment)
                    {
                        service = entry.Name;
                        break;
                    }

                    if (entry.Parent is null)
                    {
                        break;
                    }

                    current = entry.Parent;
                }

                if (service is not null)
                {
                    (byService.TryGetValue(service, out var set) ? set : byService[service] = new SortedSet<string>(StringComparer.Ordinal)).Add(target);
                }
            }

            foreach (var (service, targets) in byService)
            {
                if (!result.TryGetValue(service, out var list))
                {
                    result[service] = list = [];
                }

                list.Add((trace.Id, targets.ToList()));
            }
        }

        return result;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
