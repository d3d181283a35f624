using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The service key store contract on a real SQLite file, each opening as another process.</summary>
public sealed class SqliteServiceKeyStoreContractTests : ServiceKeyStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
