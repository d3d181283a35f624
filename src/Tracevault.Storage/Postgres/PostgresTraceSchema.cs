namespace Tracevault.Storage.Postgres;

/// <summary>
/// The tables of trace data in PostgreSQL: sealed chunks, the blind index, the undated index and sealed compression dictionaries.
/// Chunks and both indexes are partitioned by day, so retention drops a whole day at once (<see cref="PostgresTracePartitions"/>).
/// </summary>
internal static class PostgresTraceSchema
{
    /// <summary>The traces part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("traces",
    [
        """
        -- Chunk ids come from this sequence, a block of PostgresTraceStore.IdBlock ids a number, so every node names its chunks
        -- apart without asking the database for each one.
        CREATE SEQUENCE chunk_id_blocks AS bigint START WITH 1;

        -- Partitioned by the UTC day of max_time (chunks_pYYYYMMDD); a default partition takes what no day's partition holds.
        CREATE TABLE chunks (
            id bigint NOT NULL,
            account_id text NOT NULL,
            format integer NOT NULL,
            min_time bigint NOT NULL,
            max_time bigint NOT NULL,
            data_key_ref text NOT NULL,
            sealed_body bytea NOT NULL,
            dictionary_id bigint,
            PRIMARY KEY (id, max_time)) PARTITION BY RANGE (max_time);
        CREATE INDEX chunks_by_time ON chunks (account_id, max_time, min_time, data_key_ref) INCLUDE (id);
        CREATE INDEX chunks_by_dictionary ON chunks (dictionary_id) WHERE dictionary_id IS NOT NULL;
        -- A sealed body does not compress: kept out of line as it is, without PostgreSQL trying (new partitions inherit this).
        ALTER TABLE chunks ALTER COLUMN sealed_body SET STORAGE EXTERNAL;
        CREATE TABLE chunks_default PARTITION OF chunks DEFAULT;

        -- The blind index: trace hour (high bits) then 40 bits of the keyed hash (TraceIndexHasher), partitioned by the UTC day of
        -- that hour, so a lookup reads one partition and retention drops the days before the cutoff's.
        CREATE TABLE blind_index (
            trace_key bigint NOT NULL,
            chunk_id bigint NOT NULL,
            PRIMARY KEY (trace_key, chunk_id)) PARTITION BY RANGE (trace_key);
        CREATE TABLE blind_index_default PARTITION OF blind_index DEFAULT;

        -- Keys of traces whose id carries no time: they go with their chunk, so they are partitioned as it is.
        CREATE TABLE undated_index (
            trace_key bigint NOT NULL,
            chunk_id bigint NOT NULL,
            max_time bigint NOT NULL,
            PRIMARY KEY (trace_key, chunk_id, max_time)) PARTITION BY RANGE (max_time);
        CREATE INDEX undated_index_by_chunk ON undated_index (chunk_id);
        CREATE TABLE undated_index_default PARTITION OF undated_index DEFAULT;

        CREATE TABLE chunk_dictionaries (
            id bigint PRIMARY KEY,
            account_id text NOT NULL,
            data_key_ref text NOT NULL,
            created_time bigint NOT NULL,
            sealed_dictionary bytea NOT NULL,
            unused_since bigint);
        """,
    ]);
}
