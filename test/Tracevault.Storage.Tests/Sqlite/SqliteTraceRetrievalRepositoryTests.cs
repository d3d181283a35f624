using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The trace retrieval contract on a real SQLite file, each opening as another process's.</summary>
public sealed class SqliteTraceRetrievalRepositoryTests : TraceRetrievalRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
