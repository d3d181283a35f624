using System.Text.Json.Serialization;

namespace Tracevault.Keys.RootKeys;

/// <summary>Source-generated JSON metadata for the root key file.</summary>
[JsonSerializable(typeof(RootKeyFileJson))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class RootKeyFileContext : JsonSerializerContext;
