using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The sampling rule repository contract on a real PostgreSQL database.</summary>
public sealed class PostgresSamplingRuleRepositoryTests : SamplingRuleRepositoryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
