using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The trace snapshot contract on a real SQLite file.</summary>
public sealed class SqliteTraceSnapshotTests : TraceSnapshotContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
