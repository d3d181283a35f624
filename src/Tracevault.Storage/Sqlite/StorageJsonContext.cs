using System.Text.Json.Serialization;

namespace Tracevault.Storage.Sqlite;

/// <summary>Source-generated JSON metadata for the values the SQLite store keeps as JSON text.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
