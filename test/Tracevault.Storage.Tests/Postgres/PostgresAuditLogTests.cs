using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The audit trail contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresAuditLogTests : AuditLogContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
