using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The encryption setting repository contract on a real SQLite file, each opening as another process.</summary>
public sealed class SqliteEncryptionSettingRepositoryTests : EncryptionSettingRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
