using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The service key store contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresServiceKeyStoreContractTests : ServiceKeyStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
