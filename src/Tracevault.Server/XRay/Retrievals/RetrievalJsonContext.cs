using System.Text.Json.Serialization;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>Source-generated JSON for what a retrieval seals: its list of trace ids.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class RetrievalJsonContext : JsonSerializerContext;
