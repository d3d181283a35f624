using System.Text.Json.Serialization;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Postgres;

/// <summary>Source-generated JSON metadata for the key service's values PostgreSQL keeps as JSON text, written exactly as SQLite's store writes them (so a migrated row reads alike).</summary>
[JsonSerializable(typeof(KmsKey))]
[JsonSerializable(typeof(KmsGrant))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class PostgresKmsJsonContext : JsonSerializerContext;
