namespace Tracevault.Storage.Postgres;

/// <summary>The table of trace retrievals, as SQLite's <c>retrievals</c> part.</summary>
internal static class PostgresTraceRetrievalSchema
{
    /// <summary>The retrievals part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("retrievals",
    [
        """
        CREATE TABLE trace_retrievals (
            account_id text NOT NULL,
            id text NOT NULL,
            created_at bigint NOT NULL,
            start_time double precision NOT NULL,
            end_time double precision NOT NULL,
            status text NOT NULL,
            data_key_reference text NOT NULL,
            sealed_trace_ids bytea NOT NULL,
            trace_hashes bytea NOT NULL,
            chunk_ids bytea NOT NULL,
            changed_at bigint NOT NULL,
            PRIMARY KEY (account_id, id));
        CREATE INDEX trace_retrievals_by_status ON trace_retrievals (status, created_at);
        """,
    ]);
}
