using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The indexing rule repository contract on a real SQLite file, each opening as another process's.</summary>
public sealed class SqliteIndexingRuleRepositoryTests : IndexingRuleRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
