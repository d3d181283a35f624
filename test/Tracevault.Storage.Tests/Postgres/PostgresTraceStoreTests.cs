using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The trace store contract on a real PostgreSQL database.</summary>
public sealed class PostgresTraceStoreTests : TraceStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
