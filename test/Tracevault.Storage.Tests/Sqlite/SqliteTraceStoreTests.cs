using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The trace store contract on a real SQLite file.</summary>
public sealed class SqliteTraceStoreTests : TraceStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
