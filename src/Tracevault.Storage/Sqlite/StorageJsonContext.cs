using System.Text.Json.Serialization;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Sqlite;

/// <summary>Source-generated JSON metadata for the values the SQLite store keeps as JSON text.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(KmsKey))]
[JsonSerializable(typeof(KmsGrant))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
