using System.Globalization;
using System.Text;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Server.Hosting;

/// <summary>A data directory: the SQLite database, the root key file and the admin's credentials file.</summary>
public sealed class DataDirectory
{
    /// <summary>The root key file's name.</summary>
    public const string RootKeyFileName = "root.key";

    /// <summary>The admin's shared-credentials file's name.</summary>
    public const string CredentialsFileName = "credentials";

    /// <summary>The admin user made on first start.</summary>
    public const string AdminUserName = "admin";

    private DataDirectory(string path, SqliteDatabase database, RootKeyRing rootKeys, IdentityService identity)
    {
        Path = path;
        Database = database;
        RootKeys = rootKeys;
        Identity = identity;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>The database.</summary>
    public SqliteDatabase Database { get; }

    /// <summary>The root keys.</summary>
    public RootKeyRing RootKeys { get; }

    /// <summary>Accounts, users and access keys.</summary>
    public IdentityService Identity { get; }

    /// <summary>The path of the admin's credentials file.</summary>
    public string CredentialsPath => System.IO.Path.Combine(Path, CredentialsFileName);

    /// <summary>The root key file's path.</summary>
    public string RootKeyPath => System.IO.Path.Combine(Path, RootKeyFileName);

    /// <summary>Opens an existing data directory; never creates one, nor its database or root key.</summary>
    /// <exception cref="DataDirectoryException">The directory, its database or its root key is missing, or the root key is not the database's.</exception>
    public static DataDirectory Open(string path, TimeProvider time) => Open(path, time, create: false);

    /// <summary>Opens a data directory, creating the directory, its database and its root key when there is no database yet (<c>init</c> and <c>serve</c>).</summary>
    /// <exception cref="DataDirectoryException">The database exists but its root key is missing or is another one.</exception>
    public static DataDirectory OpenOrCreate(string path, TimeProvider time) => Open(path, time, create: true);

    /// <remarks>
    /// Sets the process's umask to 077 first, so every file made in the directory (root key, credentials, database, WAL,
    /// shared memory, temporary files) is 0600. Nothing is written before the root key is known to be the database's.
    /// </remarks>
    private static DataDirectory Open(string path, TimeProvider time, bool create)
    {
        OwnerOnlyFiles.RestrictProcessUmask();
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            if (!create)
            {
                throw new DataDirectoryException($"The data directory {full} does not exist; create it with 'tracevault init --data {full}'.");
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var databasePath = System.IO.Path.Combine(full, SqliteDatabase.FileName);
        var rootKeyPath = System.IO.Path.Combine(full, RootKeyFileName);
        var databaseExists = File.Exists(databasePath);
        if (!databaseExists && !create)
        {
            throw new DataDirectoryException($"The data directory {full} holds no database ({SqliteDatabase.FileName}); create it with 'tracevault init --data {full}'.");
        }

        if (databaseExists)
        {
            // A file that is not a Tracevault database is refused for what it is, before its root key is looked for.
            SqliteDatabase.CheckHeader(databasePath);
        }

        RootKeyRing rootKeys;
        if (File.Exists(rootKeyPath))
        {
            rootKeys = LoadRootKeys(rootKeyPath);
        }
        else if (databaseExists)
        {
            // A new root key would open nothing the database holds and seal new secrets no backup of the old one opens.
            throw new DataDirectoryException(
                $"The root key file {rootKeyPath} is missing, but the database {databasePath} was sealed under it: restore {RootKeyFileName} from your backup (Tracevault never replaces the root key of an existing database).");
        }
        else
        {
            rootKeys = RootKeyRing.CreateNew();
            rootKeys.Save(rootKeyPath);
        }

        var recorded = databaseExists ? VerifyRootKeys(rootKeys, rootKeyPath, databasePath).Recorded : [];

        OwnerOnlyFiles.Restrict(rootKeyPath, System.IO.Path.Combine(full, CredentialsFileName), databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + "-journal");
        var database = new SqliteDatabase(databasePath);

        // Record every key of the ring, including one an interrupted rotation wrote to the file before the database committed.
        var unrecorded = rootKeys.Checks().Where(c => !recorded.Any(r => r.KeyId == c.KeyId)).ToArray();
        if (unrecorded.Length > 0)
        {
            new SqliteRootKeyStore(database).Record(unrecorded);
        }

        var identity = new IdentityService(new SqliteIdentityRepository(database, new Keys.Audit.AuditChain(rootKeys)), rootKeys, time);
        return new DataDirectory(full, database, rootKeys, identity);
    }

    private static RootKeyRing LoadRootKeys(string rootKeyPath)
    {
        try
        {
            return RootKeyRing.Load(rootKeyPath);
        }
        catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryException($"The root key file {rootKeyPath} cannot be read ({exception.Message.TrimEnd('.')}): restore it from your backup.", exception);
        }
    }

    private static StoredRootKeys VerifyRootKeys(RootKeyRing rootKeys, string rootKeyPath, string databasePath)
    {
        try
        {
            var stored = SqliteRootKeyStore.ReadBeforeOpening(databasePath);
            RootKeyVerification.Verify(rootKeys, stored);
            return stored;
        }
        catch (RootKeyMismatchException mismatch)
        {
            throw new DataDirectoryException(
                $"The root key file {rootKeyPath} does not belong to the database {databasePath} ({mismatch.Message}): restore the {RootKeyFileName} made with this database from your backup.", mismatch);
        }
        catch (Microsoft.Data.Sqlite.SqliteException exception)
        {
            throw new DataDirectoryException($"The database {databasePath} cannot be read ({exception.Message.TrimEnd('.')}).", exception);
        }
    }

    /// <summary>The account unsigned local traffic (UDP segments, the SDKs' sampling calls) is attributed to: the first one made.</summary>
    public Account DefaultAccount
    {
        get
        {
            var accounts = Identity.ListAccounts();
            return accounts.Count > 0 ? accounts[0] : throw new InvalidOperationException("The data directory has no account; run 'tracevault init'.");
        }
    }

    /// <summary>Makes the first account and its admin user when the directory has none; returns the admin's new credentials, or null.</summary>
    public NewUser? InitializeIfEmpty()
    {
        if (Identity.ListAccounts().Count > 0)
        {
            return null;
        }

        var account = Identity.CreateAccount();
        var admin = Identity.CreateUser(account.Id, AdminUserName, [IdentityService.AdministratorPolicy]);
        WriteCredentialsFile(admin.AccessKeyId, admin.SecretAccessKey);
        return admin;
    }

    /// <summary>The lines that point the AWS CLI and SDKs at this server (version 1 of the CLI reads only <c>AWS_DEFAULT_REGION</c>).</summary>
    public string ClientSettings(string region, string endpointUrl) => string.Create(CultureInfo.InvariantCulture, $"""
        export AWS_SHARED_CREDENTIALS_FILE={CredentialsPath}
        export AWS_REGION={region}
        export AWS_DEFAULT_REGION={region}
        export AWS_ENDPOINT_URL={endpointUrl}
        """);

    /// <summary>Writes (or replaces) the shared-credentials file the start-up output points clients at, mode 0600, with one access key as its default profile.</summary>
    public void WriteCredentialsFile(string accessKeyId, string secretAccessKey)
    {
        var text = new StringBuilder()
            .Append("[default]\n")
            .Append("aws_access_key_id = ").Append(accessKeyId).Append('\n')
            .Append("aws_secret_access_key = ").Append(secretAccessKey).Append('\n')
            .ToString();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(CredentialsPath, options);
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
