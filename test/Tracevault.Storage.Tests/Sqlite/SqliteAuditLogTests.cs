using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The audit trail contract on a real SQLite file, each opening as another process.</summary>
public sealed class SqliteAuditLogTests : AuditLogContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
