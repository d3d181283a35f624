using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The sign-in attempt store contract on a real SQLite file.</summary>
public sealed class SqliteSignInAttemptStoreTests : SignInAttemptStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
