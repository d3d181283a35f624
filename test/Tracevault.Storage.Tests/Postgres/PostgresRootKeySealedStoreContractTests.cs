using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The root-key sealed store contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresRootKeySealedStoreContractTests : RootKeySealedStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
