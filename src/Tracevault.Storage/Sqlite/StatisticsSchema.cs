namespace Tracevault.Storage.Sqlite;

/// <summary>The sealed per-minute statistics written with each chunk (its services and edges, their counts and histograms).</summary>
internal static class StatisticsSchema
{
    /// <summary>The statistics part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("statistics",
    [
        """
        -- One row per minute a chunk's requests started in, sealed under the chunk's data key; max_time is the chunk's, so
        -- retention deletes the rows with their chunk. A range read finds its minutes by (account, minute).
        CREATE TABLE chunk_statistics (
            account_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            chunk_id INTEGER NOT NULL,
            max_time INTEGER NOT NULL,
            data_key_ref TEXT NOT NULL,
            sealed_body BLOB NOT NULL,
            PRIMARY KEY (account_id, minute, chunk_id));
        CREATE INDEX chunk_statistics_by_max_time ON chunk_statistics (max_time);
        """,
    ]);
}
