using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The encryption setting repository contract on a real PostgreSQL database, each opening as another node.</summary>
public sealed class PostgresEncryptionSettingRepositoryTests : EncryptionSettingRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
