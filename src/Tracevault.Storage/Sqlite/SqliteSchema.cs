using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tracevault.Storage.Sqlite;

/// <summary>The database schema: each feature owns a <see cref="SqliteSchemaPart"/> of numbered steps, so later versions can migrate older files.</summary>
internal static class SqliteSchema
{
    /// <summary>Every feature's part, in the order they are applied.</summary>
    public static readonly SqliteSchemaPart[] Parts = [IdentitySchema.Part, KmsSchema.Part, AuditSchema.Part, TraceSchema.Part, SettingsSchema.Part, RootKeySchema.Part, ConsoleSessionSchema.Part, SamplingSchema.Part, GroupSchema.Part, SignInAttemptSchema.Part, ResourcePolicySchema.Part, IndexingSchema.Part, TraceRetrievalSchema.Part, InsightSchema.Part, StatisticsSchema.Part];

    /// <summary>Applies every step the database has not seen yet, each in its own transaction.</summary>
    public static void Apply(SqliteConnection connection)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }

        foreach (var part in Parts)
        {
            for (var step = 0; step < part.Steps.Count; step++)
            {
                // BEGIN IMMEDIATE, then re-read the version: another process may be migrating the same file.
                using var transaction = connection.BeginTransaction(deferred: false);
                using var versionCommand = connection.CreateCommand();
                versionCommand.Transaction = transaction;
                versionCommand.CommandText = "SELECT version FROM schema_versions WHERE part = $part";
                versionCommand.Parameters.AddWithValue("$part", part.Name);
                var version = Convert.ToInt32(versionCommand.ExecuteScalar() ?? 0, CultureInfo.InvariantCulture);
                if (version > step)
                {
                    continue;
                }

                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = part.Steps[step];
                command.ExecuteNonQuery();
                using var record = connection.CreateCommand();
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_versions (part, version) VALUES ($part, $version) ON CONFLICT(part) DO UPDATE SET version = excluded.version";
                record.Parameters.AddWithValue("$part", part.Name);
                record.Parameters.AddWithValue("$version", step + 1);
                record.ExecuteNonQuery();
                transaction.Commit();
            }
        }
    }
}
