using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The resource policy repository contract on a real SQLite file, each opening as another process's.</summary>
public sealed class SqliteResourcePolicyRepositoryTests : ResourcePolicyRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
