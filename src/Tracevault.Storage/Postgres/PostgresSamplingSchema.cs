namespace Tracevault.Storage.Postgres;

/// <summary>The tables of sampling rules, when each account's rules last changed, the latest statistics of each client per rule, and rule boosts.</summary>
internal static class PostgresSamplingSchema
{
    /// <summary>The sampling part of the schema, as SQLite's <c>sampling</c> part.</summary>
    public static readonly PostgresSchemaPart Part = new("sampling",
    [
        """
        CREATE TABLE sampling_rules (
            account_id text NOT NULL,
            name text NOT NULL,
            resource_arn text NOT NULL,
            priority integer NOT NULL,
            fixed_rate double precision NOT NULL,
            reservoir_size integer NOT NULL,
            service_name text NOT NULL,
            service_type text NOT NULL,
            host text NOT NULL,
            http_method text NOT NULL,
            url_path text NOT NULL,
            version integer NOT NULL,
            attributes text NOT NULL,
            boost_max_rate double precision,
            boost_cooldown_minutes integer,
            tags text NOT NULL,
            created_at bigint NOT NULL,
            modified_at bigint NOT NULL,
            PRIMARY KEY (account_id, name));
        CREATE TABLE sampling_rule_changes (account_id text PRIMARY KEY, changed_at bigint NOT NULL);
        -- The latest report of each client per rule, from whichever node received it: every node splits reservoirs from all of them.
        CREATE TABLE sampling_statistics (
            account_id text NOT NULL,
            rule_name text NOT NULL,
            client_id text NOT NULL,
            reported_at bigint NOT NULL,
            request_count bigint NOT NULL,
            sampled_count bigint NOT NULL,
            borrow_count bigint NOT NULL,
            received_at bigint NOT NULL,
            PRIMARY KEY (account_id, rule_name, client_id));
        CREATE INDEX sampling_statistics_received ON sampling_statistics (account_id, received_at);
        CREATE TABLE sampling_boosts (
            account_id text NOT NULL,
            rule_name text NOT NULL,
            rate double precision NOT NULL,
            started_at bigint NOT NULL,
            until bigint NOT NULL,
            PRIMARY KEY (account_id, rule_name));
        """,
    ]);
}
