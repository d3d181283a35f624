namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of trace data: sealed chunks, their sealed compression dictionaries, the blind index, and the sealed service key.</summary>
internal static class TraceSchema
{
    /// <summary>The traces part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("traces",
    [
        """
        CREATE TABLE service_keys (version INTEGER PRIMARY KEY, sealed_key BLOB NOT NULL);
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL,
            format INTEGER NOT NULL,
            min_time INTEGER NOT NULL,
            max_time INTEGER NOT NULL,
            data_key_ref TEXT NOT NULL,
            sealed_body BLOB NOT NULL);
        CREATE INDEX chunks_by_time ON chunks (account_id, max_time);
        CREATE TABLE trace_index (
            account_id TEXT NOT NULL,
            trace_hash INTEGER NOT NULL,
            chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            PRIMARY KEY (account_id, trace_hash, chunk_id)) WITHOUT ROWID;
        CREATE INDEX trace_index_by_chunk ON trace_index (chunk_id);
        """,
        """
        -- Reads list a time range's chunk headers from this index alone, not from one table row (beside its sealed body) each.
        DROP INDEX chunks_by_time;
        CREATE INDEX chunks_by_time ON chunks (account_id, max_time, min_time, data_key_ref);
        """,
        """
        -- Chunk format 3 compresses with a dictionary trained on the account's segments, sealed under the chunks' data key.
        CREATE TABLE chunk_dictionaries (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL,
            data_key_ref TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            sealed_dictionary BLOB NOT NULL);
        ALTER TABLE chunks ADD COLUMN dictionary_id INTEGER;
        CREATE INDEX chunks_by_dictionary ON chunks (dictionary_id) WHERE dictionary_id IS NOT NULL;
        """,
        """
        -- The blind index keyed by trace hour, then 40 bits of the trace id's keyed hash (TraceIndexHasher): one table, no
        -- account text per row, no second index; writes land in the newest hour, retention deletes old hours as one range.
        -- An existing entry knew no hour: it is copied under every hour its chunk's time range touches (each trace's time is
        -- in that range), so every trace stays findable.
        CREATE TABLE blind_index (
            trace_key INTEGER NOT NULL,
            chunk_id INTEGER NOT NULL,
            PRIMARY KEY (trace_key, chunk_id)) WITHOUT ROWID;
        INSERT OR IGNORE INTO blind_index (trace_key, chunk_id)
        WITH RECURSIVE hours (chunk_id, hour, last) AS (
            SELECT id, min_time / 3600, max_time / 3600 FROM chunks
            UNION ALL SELECT chunk_id, hour + 1, last FROM hours WHERE hour < last)
        SELECT (hours.hour << 40) | (trace_index.trace_hash & 1099511627775), trace_index.chunk_id
        FROM trace_index JOIN hours ON hours.chunk_id = trace_index.chunk_id;
        DROP TABLE trace_index;
        """,
        """
        -- Retention deletes a dictionary no chunk names a round after it found it so (a read may still be about to load it).
        ALTER TABLE chunk_dictionaries ADD COLUMN unused_since INTEGER;
        """,
        """
        -- Traces whose id carries no time (W3C ids): their blind-index keys have no hour to be removed by, so they sit in a table
        -- of their own with an index by chunk, and go with their chunk. Dated traces pay nothing for it.
        CREATE TABLE undated_index (
            trace_key INTEGER NOT NULL,
            chunk_id INTEGER NOT NULL,
            PRIMARY KEY (trace_key, chunk_id)) WITHOUT ROWID;
        CREATE INDEX undated_index_by_chunk ON undated_index (chunk_id);
        """,
    ]);
}
