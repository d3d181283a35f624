using System.Text.Json;

namespace Tracevault.Core.Traces.Json;

/// <summary>Writes <see cref="TraceSummary"/> as the wire's <c>TraceSummary</c> shape, member names as the X-Ray model spells them.</summary>
/// <remarks>Timestamps are epoch seconds as JSON numbers; absent optional members are omitted, empty collections written empty.</remarks>
public static class TraceSummaryJsonWriter
{
    /// <summary>Writes one <c>TraceSummary</c> object.</summary>
    public static void Write(Utf8JsonWriter writer, TraceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(summary);

        writer.WriteStartObject();
        writer.WriteString("Id", summary.Id);
        writer.WriteNumber("StartTime", summary.StartTime);
        writer.WriteNumber("Duration", summary.Duration);
        if (summary.ResponseTime is { } responseTime)
        {
            writer.WriteNumber("ResponseTime", responseTime);
        }

        writer.WriteBoolean("HasFault", summary.HasFault);
        writer.WriteBoolean("HasError", summary.HasError);
        writer.WriteBoolean("HasThrottle", summary.HasThrottle);
        writer.WriteBoolean("IsPartial", summary.IsPartial);
        if (summary.Http is { } http)
        {
            WriteHttp(writer, http);
        }

        WriteAnnotations(writer, summary.Annotations);
        writer.WriteStartArray("Users");
        foreach (var user in summary.Users)
        {
            writer.WriteStartObject();
            writer.WriteString("UserName", user.UserName);
            WriteServiceIds(writer, user.ServiceIds);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteServiceIds(writer, summary.ServiceIds);
        WriteDetails(writer, "ResourceARNs", "ARN", summary.ResourceARNs);
        WriteDetails(writer, "InstanceIds", "Id", summary.InstanceIds);
        WriteDetails(writer, "AvailabilityZones", "Name", summary.AvailabilityZones);
        if (summary.EntryPoint is { } entryPoint)
        {
            writer.WritePropertyName("EntryPoint");
            ServiceIdJsonWriter.Write(writer, entryPoint);
        }

        WriteRootCauses(writer, "FaultRootCauses", summary.FaultRootCauses);
        WriteRootCauses(writer, "ErrorRootCauses", summary.ErrorRootCauses);
        WriteRootCauses(writer, "ResponseTimeRootCauses", summary.ResponseTimeRootCauses);
        writer.WriteNumber("Revision", summary.Revision);
        if (summary.MatchedEventTime is { } matchedEventTime)
        {
            writer.WriteNumber("MatchedEventTime", matchedEventTime);
        }

        writer.WriteEndObject();
    }

    private static void WriteHttp(Utf8JsonWriter writer, TraceHttp http)
    {
        writer.WriteStartObject("Http");
        ServiceIdJsonWriter.WriteOptional(writer, "HttpURL", http.HttpUrl);
        if (http.HttpStatus is { } status)
        {
            writer.WriteNumber("HttpStatus", status);
        }

        ServiceIdJsonWriter.WriteOptional(writer, "HttpMethod", http.HttpMethod);
        ServiceIdJsonWriter.WriteOptional(writer, "UserAgent", http.UserAgent);
        ServiceIdJsonWriter.WriteOptional(writer, "ClientIp", http.ClientIp);
        writer.WriteEndObject();
    }

    private static void WriteAnnotations(Utf8JsonWriter writer, IReadOnlyDictionary<string, IReadOnlyList<ValueWithServiceIds>> annotations)
    {
        writer.WriteStartObject("Annotations");
        foreach (var (key, values) in annotations)
        {
            writer.WriteStartArray(key);
            foreach (var value in values)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("AnnotationValue");
                if (value.AnnotationValue.NumberValue is { } number)
                {
                    writer.WriteNumber("NumberValue", number);
                }
                else if (value.AnnotationValue.BooleanValue is { } flag)
                {
                    writer.WriteBoolean("BooleanValue", flag);
                }
                else
                {
                    writer.WriteString("StringValue", value.AnnotationValue.StringValue);
                }

                writer.WriteEndObject();
                WriteServiceIds(writer, value.ServiceIds);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteServiceIds(Utf8JsonWriter writer, IReadOnlyList<ServiceId> services)
    {
        writer.WriteStartArray("ServiceIds");
        foreach (var service in services)
        {
            ServiceIdJsonWriter.Write(writer, service);
        }

        writer.WriteEndArray();
    }

    private static void WriteDetails(Utf8JsonWriter writer, string name, string member, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStartObject();
            writer.WriteString(member, value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteRootCauses(Utf8JsonWriter writer, string name, IReadOnlyList<RootCause> causes)
    {
        writer.WriteStartArray(name);
        foreach (var cause in causes)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Services");
            foreach (var service in cause.Services)
            {
                writer.WriteStartObject();
                ServiceIdJsonWriter.WriteMembers(writer, service.Id, typeBeforeAccount: true);
                writer.WriteStartArray("EntityPath");
                foreach (var entity in service.EntityPath)
                {
                    WriteEntity(writer, entity);
                }

                writer.WriteEndArray();
                writer.WriteBoolean("Inferred", service.Inferred);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("ClientImpacting", cause.ClientImpacting);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteEntity(Utf8JsonWriter writer, RootCauseEntity entity)
    {
        writer.WriteStartObject();
        writer.WriteString("Name", entity.Name);
        if (entity.Coverage is { } coverage)
        {
            // A response-time root cause's entity (the model's ResponseTimeRootCauseEntity) has a coverage and no exceptions.
            writer.WriteNumber("Coverage", coverage);
            if (entity.Remote is { } isRemote)
            {
                writer.WriteBoolean("Remote", isRemote);
            }

            writer.WriteEndObject();
            return;
        }

        writer.WriteStartArray("Exceptions");
        foreach (var exception in entity.Exceptions)
        {
            writer.WriteStartObject();
            ServiceIdJsonWriter.WriteOptional(writer, "Name", exception.Name);
            ServiceIdJsonWriter.WriteOptional(writer, "Message", exception.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (entity.Remote is { } remote)
        {
            writer.WriteBoolean("Remote", remote);
        }

        writer.WriteEndObject();
    }
}
