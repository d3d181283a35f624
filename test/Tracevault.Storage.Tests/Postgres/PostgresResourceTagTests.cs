using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The resource tag contract on a real PostgreSQL database, each opening as another node's.</summary>
public sealed class PostgresResourceTagTests : ResourceTagContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
