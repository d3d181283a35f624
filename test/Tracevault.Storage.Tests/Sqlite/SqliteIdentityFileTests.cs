using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>Changes to users and access keys on a real SQLite file: committed with their audit record or not at all, and old files migrate.</summary>
public sealed class SqliteIdentityFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-identity-").FullName;

    private string DatabasePath => Path.Combine(_directory, SqliteDatabase.FileName);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Change_WhoseAuditRecordCannotBeAppended_ChangesNothing()
    {
        var rootKeys = RootKeyRing.CreateNew();
        var database = new SqliteDatabase(DatabasePath);
        var identity = new IdentityService(new SqliteIdentityRepository(database, new AuditChain(rootKeys)), rootKeys, TimeProvider.System);
        var admin = IdentityRepositoryContract.CreateAdmin(identity);
        var alice = identity.CreateUser(admin.User.AccountId, "alice", []);
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END;";
            command.ExecuteNonQuery();
        }

        Assert.Throws<SqliteException>(() => identity.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Inactive, force: false));
        Assert.Throws<SqliteException>(() => identity.CreateAccessKey(admin.User.AccountId, "alice"));
        Assert.Throws<SqliteException>(() => identity.DeleteUser(admin.User.AccountId, "alice", force: false));

        var key = Assert.Single(identity.ListAccessKeys(), k => k.UserName == "alice");
        Assert.Equal((alice.AccessKeyId, AccessKeyStatus.Active), (key.AccessKeyId, key.Status));
        Assert.NotNull(identity.FindCredentials(alice.AccessKeyId));
    }

    [Fact]
    public void OpenDatabase_WithTheFirstIdentitySchema_MigratesItsKeysAsActive()
    {
        var path = DatabasePath;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
                INSERT INTO schema_versions VALUES ('identity', 1);
                CREATE TABLE accounts (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
                CREATE TABLE users (account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL, created_at INTEGER NOT NULL, policies TEXT NOT NULL, PRIMARY KEY (account_id, name));
                CREATE TABLE access_keys (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, user_name TEXT NOT NULL, sealed_secret BLOB NOT NULL, created_at INTEGER NOT NULL,
                    FOREIGN KEY (account_id, user_name) REFERENCES users(account_id, name));
                INSERT INTO accounts VALUES ('123456789012', 0);
                INSERT INTO users VALUES ('123456789012', 'old', 0, '[]');
                INSERT INTO access_keys VALUES ('AKIAOLDOLDOLDOLDOLD1', '123456789012', 'old', x'00', 0);
                """;
            command.ExecuteNonQuery();
        }

        var repository = new SqliteIdentityRepository(new SqliteDatabase(path), new AuditChain(RootKeyRing.CreateNew()));
        var key = repository.FindAccessKeyHolder("AKIAOLDOLDOLDOLDOLD1");
        Assert.NotNull(key);
        Assert.Equal(AccessKeyStatus.Active, key.Key.Status);
        Assert.Equal("old", key.User.Name);
    }
}
