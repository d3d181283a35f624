namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of sampling rules, when each account's rules last changed, the latest statistics of each client per rule, and rule boosts.</summary>
internal static class SamplingSchema
{
    /// <summary>The sampling part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("sampling",
    [
        """
        CREATE TABLE sampling_rules (
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            resource_arn TEXT NOT NULL,
            priority INTEGER NOT NULL,
            fixed_rate REAL NOT NULL,
            reservoir_size INTEGER NOT NULL,
            service_name TEXT NOT NULL,
            service_type TEXT NOT NULL,
            host TEXT NOT NULL,
            http_method TEXT NOT NULL,
            url_path TEXT NOT NULL,
            version INTEGER NOT NULL,
            attributes TEXT NOT NULL,
            boost_max_rate REAL,
            boost_cooldown_minutes INTEGER,
            tags TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, name));
        CREATE TABLE sampling_rule_changes (account_id TEXT PRIMARY KEY, changed_at INTEGER NOT NULL);
        -- The latest report of each client per rule, from whichever node received it: every node splits reservoirs from all of them.
        CREATE TABLE sampling_statistics (
            account_id TEXT NOT NULL,
            rule_name TEXT NOT NULL,
            client_id TEXT NOT NULL,
            reported_at INTEGER NOT NULL,
            request_count INTEGER NOT NULL,
            sampled_count INTEGER NOT NULL,
            borrow_count INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, rule_name, client_id));
        CREATE INDEX sampling_statistics_received ON sampling_statistics (account_id, received_at);
        CREATE TABLE sampling_boosts (
            account_id TEXT NOT NULL,
            rule_name TEXT NOT NULL,
            rate REAL NOT NULL,
            started_at INTEGER NOT NULL,
            until INTEGER NOT NULL,
            PRIMARY KEY (account_id, rule_name));
        """,
    ]);
}
