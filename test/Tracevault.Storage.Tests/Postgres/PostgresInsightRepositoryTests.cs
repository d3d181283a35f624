using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The insight repository contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresInsightRepositoryTests : InsightRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
