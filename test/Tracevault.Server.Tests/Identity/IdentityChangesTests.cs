using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Hosting;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Server.Tests.Identity;

/// <summary>Changes to users and access keys on a real SQLite file: seen by every opening of the directory at once, committed with their audit record or not at all, and old files migrate.</summary>
public sealed class IdentityChangesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tracevault-identity-" + Path.GetRandomFileName());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void FindCredentials_KeyDeactivatedThroughAnotherOpening_IsRefusedAtOnce()
    {
        var server = DataDirectory.OpenOrCreate(_directory, new RootKeyOptions(), TimeProvider.System);
        var admin = server.InitializeIfEmpty()!;
        var alice = server.Identity.CreateUser(admin.User.AccountId, "alice", [IdentityService.AdministratorPolicy]);
        Assert.NotNull(server.Identity.FindCredentials(alice.AccessKeyId));
        Assert.DoesNotContain(alice.SecretAccessKey, alice.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alice.SecretAccessKey, server.Identity.FindCredentials(alice.AccessKeyId)!.ToString(), StringComparison.Ordinal);

        // Another process (the CLI) opens the same directory and deactivates the key the server has used.
        var cli = DataDirectory.Open(_directory, new RootKeyOptions(), TimeProvider.System);
        cli.Identity.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Inactive, force: false);
        Assert.Null(server.Identity.FindCredentials(alice.AccessKeyId));

        cli.Identity.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Active, force: false);
        Assert.Equal(alice.SecretAccessKey, server.Identity.FindCredentials(alice.AccessKeyId)?.SecretAccessKey);

        cli.Identity.UpdateUserPolicies(admin.User.AccountId, "alice", ["""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}"""], force: false);
        var updated = server.Identity.FindCredentials(alice.AccessKeyId)!;
        Assert.Equal("kms:ListKeys", Assert.Single(Assert.Single(updated.Policies).Statements).Actions!.Single());

        var second = cli.Identity.CreateAccessKey(admin.User.AccountId, "alice");
        Assert.DoesNotContain(second.SecretAccessKey, second.ToString(), StringComparison.Ordinal);
        Assert.Equal(second.SecretAccessKey, server.Identity.FindCredentials(second.Key.AccessKeyId)?.SecretAccessKey);

        cli.Identity.DeleteAccessKey(alice.AccessKeyId, force: false);
        Assert.Null(server.Identity.FindCredentials(alice.AccessKeyId));
        Assert.Null(server.Identity.FindAccessKey(alice.AccessKeyId));
    }

    [Fact]
    public void Change_WhoseAuditRecordCannotBeAppended_ChangesNothing()
    {
        var directory = DataDirectory.OpenOrCreate(_directory, new RootKeyOptions(), TimeProvider.System);
        var admin = directory.InitializeIfEmpty()!;
        var alice = directory.Identity.CreateUser(admin.User.AccountId, "alice", []);
        using (var connection = ((Storage.Sqlite.SqliteBackend)directory.Storage).Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END;";
            command.ExecuteNonQuery();
        }

        Assert.Throws<SqliteException>(() => directory.Identity.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Inactive, force: false));
        Assert.Throws<SqliteException>(() => directory.Identity.CreateAccessKey(admin.User.AccountId, "alice"));
        Assert.Throws<SqliteException>(() => directory.Identity.DeleteUser(admin.User.AccountId, "alice", force: false));

        var key = Assert.Single(directory.Identity.ListAccessKeys(), k => k.UserName == "alice");
        Assert.Equal((alice.AccessKeyId, AccessKeyStatus.Active), (key.AccessKeyId, key.Status));
        Assert.NotNull(directory.Identity.FindCredentials(alice.AccessKeyId));
    }

    [Fact]
    public void OpenDatabase_WithTheFirstIdentitySchema_MigratesItsKeysAsActive()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, SqliteDatabase.FileName);
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
