using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The sampling rule repository contract on a real SQLite file.</summary>
public sealed class SqliteSamplingRuleRepositoryTests : SamplingRuleRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
