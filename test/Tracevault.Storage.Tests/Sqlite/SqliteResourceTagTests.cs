using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The resource tag contract on a real SQLite file, each opening as another process's.</summary>
public sealed class SqliteResourceTagTests : ResourceTagContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
