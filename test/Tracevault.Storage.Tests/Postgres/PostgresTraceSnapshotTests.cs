using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The trace snapshot contract on a real PostgreSQL database.</summary>
public sealed class PostgresTraceSnapshotTests : TraceSnapshotContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
