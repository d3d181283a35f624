using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The SQLite backend of the contract suites: a real SQLite file in a temporary directory of its own.</summary>
public sealed class SqliteBackendUnderTest : IBackendUnderTest
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-storage-").FullName;

    /// <summary>The database file every opening shares.</summary>
    public string DatabasePath => Path.Combine(_directory, SqliteDatabase.FileName);

    public ITraceStore OpenTraceStore() => new SqliteTraceStore(new SqliteDatabase(DatabasePath));

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => new SqliteIdentityRepository(new SqliteDatabase(DatabasePath), new AuditChain(rootKeys));

    public IConsoleSessionStore OpenConsoleSessionStore() => new SqliteConsoleSessionStore(new SqliteDatabase(DatabasePath));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
