using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The trace reader contract on a real SQLite file.</summary>
public sealed class SqliteTraceReaderTests : TraceReaderContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
