namespace Tracevault.Storage.Postgres;

/// <summary>The sealed per-minute statistics written with each chunk, in PostgreSQL (as SQLite's <c>chunk_statistics</c>).</summary>
internal static class PostgresStatisticsSchema
{
    /// <summary>The statistics part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("statistics",
    [
        """
        -- One row per minute a chunk's requests started in, sealed under the chunk's data key; max_time is the chunk's, so
        -- retention deletes the rows with their chunk (a few rows per chunk: deleted as rows, not partitioned).
        CREATE TABLE chunk_statistics (
            account_id text NOT NULL,
            minute bigint NOT NULL,
            chunk_id bigint NOT NULL,
            max_time bigint NOT NULL,
            data_key_ref text NOT NULL,
            sealed_body bytea NOT NULL,
            PRIMARY KEY (account_id, minute, chunk_id));
        CREATE INDEX chunk_statistics_by_max_time ON chunk_statistics (max_time);
        """,
    ]);
}
