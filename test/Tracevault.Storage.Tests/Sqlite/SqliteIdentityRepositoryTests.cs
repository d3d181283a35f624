using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The identity repository contract on a real SQLite file, opened once per process.</summary>
public sealed class SqliteIdentityRepositoryTests : IdentityRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
