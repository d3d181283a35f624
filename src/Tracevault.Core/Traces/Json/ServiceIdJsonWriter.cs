using System.Text.Json;

namespace Tracevault.Core.Traces.Json;

/// <summary>Writes the members X-Ray uses to name a service: <c>Name</c>, <c>Names</c>, <c>AccountId</c>, <c>Type</c>.</summary>
internal static class ServiceIdJsonWriter
{
    /// <summary>Writes a <c>ServiceId</c> object.</summary>
    public static void Write(Utf8JsonWriter writer, ServiceId service)
    {
        writer.WriteStartObject();
        WriteMembers(writer, service, typeBeforeAccount: false);
        writer.WriteEndObject();
    }

    /// <summary>Writes the naming members into the object being written, in the order of the shape that holds them.</summary>
    public static void WriteMembers(Utf8JsonWriter writer, ServiceId service, bool typeBeforeAccount)
    {
        writer.WriteString("Name", service.Name);
        writer.WriteStartArray("Names");
        foreach (var name in service.Names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        if (typeBeforeAccount)
        {
            WriteOptional(writer, "Type", service.Type);
            WriteOptional(writer, "AccountId", service.AccountId);
        }
        else
        {
            WriteOptional(writer, "AccountId", service.AccountId);
            WriteOptional(writer, "Type", service.Type);
        }
    }

    /// <summary>Writes a string member unless the value is absent.</summary>
    public static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
