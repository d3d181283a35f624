using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The key repository contract on a real SQLite file, each opening as another process.</summary>
public sealed class SqliteKeyRepositoryTests : KeyRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
