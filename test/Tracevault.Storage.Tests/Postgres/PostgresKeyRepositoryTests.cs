using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The key repository contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresKeyRepositoryTests : KeyRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
