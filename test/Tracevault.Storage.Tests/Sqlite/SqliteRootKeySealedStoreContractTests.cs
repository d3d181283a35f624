using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The root-key sealed store contract on a real SQLite file, each opening as another process.</summary>
public sealed class SqliteRootKeySealedStoreContractTests : RootKeySealedStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
