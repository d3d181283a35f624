namespace Tracevault.Storage.Sqlite;

/// <summary>The table of trace retrievals: trace ids sealed, blind-index keys and chunk ids packed as blobs.</summary>
internal static class TraceRetrievalSchema
{
    /// <summary>The retrievals part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("retrievals",
    [
        """
        CREATE TABLE trace_retrievals (
            account_id TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            start_time REAL NOT NULL,
            end_time REAL NOT NULL,
            status TEXT NOT NULL,
            data_key_reference TEXT NOT NULL,
            sealed_trace_ids BLOB NOT NULL,
            trace_hashes BLOB NOT NULL,
            chunk_ids BLOB NOT NULL,
            changed_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, id));
        CREATE INDEX trace_retrievals_by_status ON trace_retrievals (status, created_at);
        """,
    ]);
}
