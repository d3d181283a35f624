namespace Tracevault.Core.Traces.Filters;

/// <summary>Which services a <c>service()</c> or <c>edge()</c> names: by name, or by <c>id(name: …, type: …)</c>.</summary>
/// <param name="Name">The service name to match, or <see langword="null"/> for any.</param>
/// <param name="Type">The service type to match, or <see langword="null"/> for any.</param>
/// <param name="IsId">Whether it was written as <c>id(...)</c>.</param>
internal sealed record ServiceSelector(string? Name, string? Type, bool IsId)
{
    /// <summary>Whether the service matches.</summary>
    public bool Matches(ServiceId service) =>
        (Name is null || string.Equals(Name, service.Name, StringComparison.Ordinal))
        && (Type is null || string.Equals(Type, service.Type, StringComparison.Ordinal));

    /// <inheritdoc/>
    public override string ToString()
    {
        if (!IsId)
        {
            return Quote(Name ?? string.Empty);
        }

        var arguments = new List<string>(2);
        if (Name is not null)
        {
            arguments.Add($"name: {Quote(Name)}");
        }

        if (Type is not null)
        {
            arguments.Add($"type: {Quote(Type)}");
        }

        return $"id({string.Join(", ", arguments)})";
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
