using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The resource policy repository contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresResourcePolicyRepositoryTests : ResourcePolicyRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
