using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The statistics store contract on a real PostgreSQL database.</summary>
public sealed class PostgresStatisticsStoreTests : StatisticsStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
