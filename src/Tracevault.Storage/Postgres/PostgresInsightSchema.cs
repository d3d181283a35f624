namespace Tracevault.Storage.Postgres;

/// <summary>The tables of insights, as SQLite's <c>insights</c> part.</summary>
internal static class PostgresInsightSchema
{
    /// <summary>The insights part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("insights",
    [
        """
        CREATE TABLE insight_claims (
            account_id text NOT NULL,
            group_arn text NOT NULL,
            minute bigint NOT NULL,
            lease_until bigint NOT NULL,
            PRIMARY KEY (account_id, group_arn));
        CREATE TABLE insight_minutes (
            account_id text NOT NULL,
            group_arn text NOT NULL,
            minute bigint NOT NULL,
            data_key text NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY (account_id, group_arn, minute));
        CREATE TABLE insights (
            account_id text NOT NULL,
            insight_id text NOT NULL,
            group_arn text NOT NULL,
            active bigint NOT NULL,
            start_time bigint NOT NULL,
            end_time bigint,
            data_key text NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY (account_id, insight_id));
        CREATE INDEX insights_by_group ON insights (account_id, group_arn, start_time);
        CREATE TABLE insight_events (
            account_id text NOT NULL,
            insight_id text NOT NULL,
            event_time bigint NOT NULL,
            data_key text NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY (account_id, insight_id, event_time));
        """,
    ]);
}
