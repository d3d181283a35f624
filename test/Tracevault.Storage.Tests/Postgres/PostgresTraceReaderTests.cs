using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The trace reader contract on a real PostgreSQL database.</summary>
public sealed class PostgresTraceReaderTests : TraceReaderContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
