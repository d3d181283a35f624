using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The console session store contract on a real SQLite file.</summary>
public sealed class SqliteConsoleSessionStoreTests : ConsoleSessionStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
