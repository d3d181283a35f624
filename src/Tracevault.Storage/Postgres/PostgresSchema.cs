using Npgsql;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema: each feature owns a <see cref="PostgresSchemaPart"/> of numbered steps, applied in order. Safe when
/// several nodes start at once: each step runs in its own transaction under one advisory lock and re-reads the version first.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The advisory lock every migration step holds ("TVSCHEMA" as a number), so two nodes never apply one step twice.</summary>
    public const long MigrationLock = 0x5456534348454D41;

    /// <summary>Every feature's part, in the order they are applied.</summary>
    public static readonly PostgresSchemaPart[] Parts = [PostgresIdentitySchema.Part, PostgresKmsSchema.Part, PostgresAuditSchema.Part, PostgresTraceSchema.Part, PostgresSettingsSchema.Part, PostgresRootKeySchema.Part, PostgresConsoleSessionSchema.Part, PostgresSamplingSchema.Part, PostgresGroupSchema.Part, PostgresSignInSchema.Part, PostgresResourcePolicySchema.Part, PostgresIndexingSchema.Part, PostgresTraceRetrievalSchema.Part, PostgresInsightSchema.Part, PostgresStatisticsSchema.Part];

    /// <summary>Applies every step the database has not seen yet, each in its own transaction.</summary>
    public static void Apply(NpgsqlConnection connection)
    {
        using (var transaction = connection.BeginTransaction())
        {
            Lock(connection, transaction);
            using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_versions (part text PRIMARY KEY, version integer NOT NULL)", connection, transaction);
            create.ExecuteNonQuery();
            transaction.Commit();
        }

        foreach (var part in Parts)
        {
            for (var step = 0; step < part.Steps.Count; step++)
            {
                using var transaction = connection.BeginTransaction();
                Lock(connection, transaction);
                using var versionCommand = new NpgsqlCommand("SELECT version FROM schema_versions WHERE part = $1", connection, transaction);
                versionCommand.Parameters.AddWithValue(part.Name);
                var version = versionCommand.ExecuteScalar() is int found ? found : 0;
                if (version > step)
                {
                    continue;
                }

                using (var command = new NpgsqlCommand(part.Steps[step], connection, transaction))
                {
                    command.ExecuteNonQuery();
                }

                using var record = new NpgsqlCommand(
                    "INSERT INTO schema_versions (part, version) VALUES ($1, $2) ON CONFLICT (part) DO UPDATE SET version = excluded.version",
                    connection,
                    transaction);
                record.Parameters.AddWithValue(part.Name);
                record.Parameters.AddWithValue(step + 1);
                record.ExecuteNonQuery();
                transaction.Commit();
            }
        }
    }

    private static void Lock(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        command.Parameters.AddWithValue(MigrationLock);
        command.ExecuteNonQuery();
    }
}
