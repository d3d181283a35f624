using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The identity repository contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresIdentityRepositoryTests : IdentityRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
