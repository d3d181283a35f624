using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The sign-in attempt store contract on a real PostgreSQL database.</summary>
public sealed class PostgresSignInAttemptStoreTests : SignInAttemptStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
