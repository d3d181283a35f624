using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The group repository contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresGroupRepositoryTests : GroupRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
