using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The trace retrieval contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresTraceRetrievalRepositoryTests : TraceRetrievalRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
