using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The console session store contract on a real PostgreSQL database.</summary>
public sealed class PostgresConsoleSessionStoreTests : ConsoleSessionStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
