using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The indexing rule repository contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresIndexingRuleRepositoryTests : IndexingRuleRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
