using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The insight repository contract on a real SQLite file, each opening as another process's.</summary>
public sealed class SqliteInsightRepositoryTests : InsightRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
