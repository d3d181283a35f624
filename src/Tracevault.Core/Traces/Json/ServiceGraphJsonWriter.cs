using System.Text.Json;
using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Core.Traces.Json;

/// <summary>Writes service graph nodes and edges as the wire's <c>Service</c> and <c>Edge</c> shapes.</summary>
/// <remarks>
/// Timestamps are epoch seconds as JSON numbers; a service without a type or account omits that member; the client node has
/// only its reference id, type, state, times and edges.
/// </remarks>
public static class ServiceGraphJsonWriter
{
    /// <summary>Writes a JSON array of <c>Service</c> objects, as the value of <c>Services</c>.</summary>
    public static void WriteServices(Utf8JsonWriter writer, IEnumerable<ServiceGraphNode> services)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(services);

        writer.WriteStartArray();
        foreach (var service in services)
        {
            WriteService(writer, service);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes one <c>Service</c> object.</summary>
    public static void WriteService(Utf8JsonWriter writer, ServiceGraphNode service)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(service);

        writer.WriteStartObject();
        writer.WriteNumber("ReferenceId", service.ReferenceId);
        if (service.Client)
        {
            // As X-Ray writes it: no name, no statistics of its own; the entry requests' are on its edges.
            writer.WriteString("Type", "client");
            writer.WriteString("State", service.State);
            writer.WriteNumber("StartTime", service.StartTime);
            writer.WriteNumber("EndTime", service.EndTime);
            WriteEdges(writer, service.Edges);
            writer.WriteEndObject();
            return;
        }

        writer.WriteString("Name", service.Service.Name);
        writer.WriteStartArray("Names");
        foreach (var name in service.Service.Names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("Root", service.Root);
        ServiceIdJsonWriter.WriteOptional(writer, "AccountId", service.Service.AccountId);
        ServiceIdJsonWriter.WriteOptional(writer, "Type", service.Service.Type);
        writer.WriteString("State", service.State);
        writer.WriteNumber("StartTime", service.StartTime);
        writer.WriteNumber("EndTime", service.EndTime);
        WriteEdges(writer, service.Edges);
        WriteStatistics(writer, "SummaryStatistics", service.SummaryStatistics);
        WriteHistogram(writer, "DurationHistogram", service.DurationHistogram);
        WriteHistogram(writer, "ResponseTimeHistogram", service.ResponseTimeHistogram);
        writer.WriteEndObject();
    }

    /// <summary>Writes one <c>Edge</c> object.</summary>
    public static void WriteEdge(Utf8JsonWriter writer, ServiceGraphEdge edge)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(edge);

        writer.WriteStartObject();
        writer.WriteNumber("ReferenceId", edge.ReferenceId);
        writer.WriteNumber("StartTime", edge.StartTime);
        writer.WriteNumber("EndTime", edge.EndTime);
        WriteStatistics(writer, "SummaryStatistics", edge.SummaryStatistics);
        WriteHistogram(writer, "ResponseTimeHistogram", edge.ResponseTimeHistogram);
        writer.WriteStartArray("Aliases");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteEdges(Utf8JsonWriter writer, IReadOnlyList<ServiceGraphEdge> edges)
    {
        writer.WriteStartArray("Edges");
        foreach (var edge in edges)
        {
            WriteEdge(writer, edge);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes X-Ray's summary statistics (ok, error, fault counts and total response time) as the member <paramref name="name"/>.</summary>
    public static void WriteStatistics(Utf8JsonWriter writer, string name, RequestStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(statistics);
        writer.WriteStartObject(name);
        writer.WriteNumber("OkCount", statistics.OkCount);
        writer.WriteStartObject("ErrorStatistics");
        writer.WriteNumber("ThrottleCount", statistics.ErrorStatistics.ThrottleCount);
        writer.WriteNumber("OtherCount", statistics.ErrorStatistics.OtherCount);
        writer.WriteNumber("TotalCount", statistics.ErrorStatistics.TotalCount);
        writer.WriteEndObject();
        writer.WriteStartObject("FaultStatistics");
        writer.WriteNumber("OtherCount", statistics.FaultStatistics.OtherCount);
        writer.WriteNumber("TotalCount", statistics.FaultStatistics.TotalCount);
        writer.WriteEndObject();
        writer.WriteNumber("TotalCount", statistics.TotalCount);
        writer.WriteNumber("TotalResponseTime", statistics.TotalResponseTime);
        writer.WriteEndObject();
    }

    /// <summary>Writes a response-time histogram (<c>Value</c>, <c>Count</c> entries) as the member <paramref name="name"/>.</summary>
    public static void WriteHistogram(Utf8JsonWriter writer, string name, IEnumerable<HistogramEntry> histogram)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(histogram);
        writer.WriteStartArray(name);
        foreach (var entry in histogram)
        {
            writer.WriteStartObject();
            writer.WriteNumber("Value", entry.Value);
            writer.WriteNumber("Count", entry.Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
