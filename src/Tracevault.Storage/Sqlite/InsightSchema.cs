namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of insights: each group's evaluation claim, its sealed per-minute statistics, and insights with their events (sealed).</summary>
internal static class InsightSchema
{
    /// <summary>The insights part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("insights",
    [
        """
        CREATE TABLE insight_claims (
            account_id TEXT NOT NULL,
            group_arn TEXT NOT NULL,
            minute INTEGER NOT NULL,
            lease_until INTEGER NOT NULL,
            PRIMARY KEY (account_id, group_arn));
        CREATE TABLE insight_minutes (
            account_id TEXT NOT NULL,
            group_arn TEXT NOT NULL,
            minute INTEGER NOT NULL,
            data_key TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (account_id, group_arn, minute));
        CREATE TABLE insights (
            account_id TEXT NOT NULL,
            insight_id TEXT NOT NULL,
            group_arn TEXT NOT NULL,
            active INTEGER NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER,
            data_key TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (account_id, insight_id));
        CREATE INDEX insights_by_group ON insights (account_id, group_arn, start_time);
        CREATE TABLE insight_events (
            account_id TEXT NOT NULL,
            insight_id TEXT NOT NULL,
            event_time INTEGER NOT NULL,
            data_key TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (account_id, insight_id, event_time));
        """,
    ]);
}
