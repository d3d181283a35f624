using System.Globalization;
using System.Text;
using Npgsql;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Server.Hosting;

/// <summary>A data directory: the root key file, the admin's credentials file and the storage backend: SQLite's files in the directory, or a PostgreSQL database the directory only holds the root key of.</summary>
public sealed class DataDirectory
{
    /// <summary>The root key file's name.</summary>
    public const string RootKeyFileName = "root.key";

    /// <summary>The admin's shared-credentials file's name.</summary>
    public const string CredentialsFileName = "credentials";

    /// <summary>The environment variable that holds the root key file's passphrase.</summary>
    public const string PassphraseVariable = "TRACEVAULT_ROOT_KEY_PASSPHRASE";

    /// <summary>The admin user made on first start.</summary>
    public const string AdminUserName = "admin";

    private readonly NpgsqlConnectionStringBuilder? _postgres;

    private DataDirectory(string path, IStorageBackend storage, RootKeyFile rootKeyFile, RootKeyRing rootKeys, IdentityService identity, NpgsqlConnectionStringBuilder? postgres)
    {
        _postgres = postgres;
        Path = path;
        Storage = storage;
        RootKeyFile = rootKeyFile;
        RootKeys = rootKeys;
        Identity = identity;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>The storage backend: every repository the server and the commands use.</summary>
    public IStorageBackend Storage { get; }

    /// <summary>The root key file, wherever it is kept, with the passphrase it was opened with.</summary>
    public RootKeyFile RootKeyFile { get; }

    /// <summary>The root keys.</summary>
    public RootKeyRing RootKeys { get; }

    /// <summary>Accounts, users and access keys.</summary>
    public IdentityService Identity { get; }

    /// <summary>Where the data is: the directory, with the PostgreSQL database (never its password) when it holds only the root key; for messages and logs.</summary>
    public string Description => _postgres is null ? Path : $"{Path} with the PostgreSQL database {PostgresConnectionString.Describe(_postgres)}";

    /// <summary>Whether the database is in the directory (SQLite), so that a copy of the directory copies the data too.</summary>
    public bool HoldsDatabase => _postgres is null;

    /// <summary>The path of the admin's credentials file.</summary>
    public string CredentialsPath => System.IO.Path.Combine(Path, CredentialsFileName);

    /// <summary>The root key file's path.</summary>
    public string RootKeyPath => RootKeyFile.Path;

    /// <summary>Whether the root key file lies inside the data directory (following symbolic links), so any copy of the directory opens everything in it.</summary>
    public bool RootKeyInside => IsInside(Resolve(RootKeyFile.Path), Resolve(Path));

    /// <summary>Opens an existing data directory; never creates one, nor its database or root key.</summary>
    /// <param name="path">The directory.</param>
    /// <param name="rootKey">Where the root key file is and its passphrase.</param>
    /// <param name="postgres">The PostgreSQL database that holds the data, or null for SQLite in the directory.</param>
    /// <param name="time">The clock.</param>
    /// <exception cref="DataDirectoryException">The directory, its database or its root key is missing, the root key's passphrase is missing or wrong, or the root key is not the database's.</exception>
    public static DataDirectory Open(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder? postgres, TimeProvider time) => Open(path, rootKey, postgres, time, create: false);

    /// <summary>Opens a data directory, creating the directory, its database and its root key (where <paramref name="rootKey"/> says, never over an existing one) when there is no database yet (<c>init</c> and <c>serve</c>).</summary>
    /// <param name="path">The directory.</param>
    /// <param name="rootKey">Where the root key file is and its passphrase.</param>
    /// <param name="postgres">The PostgreSQL database that holds the data, or null for SQLite in the directory.</param>
    /// <param name="time">The clock.</param>
    /// <exception cref="DataDirectoryException">The database exists but its root key is missing or is another one, or the root key's passphrase is missing or wrong.</exception>
    public static DataDirectory OpenOrCreate(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder? postgres, TimeProvider time) => Open(path, rootKey, postgres, time, create: true);

    /// <remarks>
    /// Sets the process's umask to 077 first, so every file made in the directory (root key, credentials, database, WAL,
    /// shared memory, temporary files) is 0600. Nothing is written before the root key is read and known to be the database's.
    /// </remarks>
    private static DataDirectory Open(string path, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder? postgres, TimeProvider time, bool create)
    {
        ArgumentNullException.ThrowIfNull(rootKey);
        OwnerOnlyFiles.RestrictProcessUmask();
        var full = System.IO.Path.GetFullPath(path);
        if (postgres is not null)
        {
            return OpenPostgres(full, rootKey, postgres, time, create);
        }

        var directoryExists = Directory.Exists(full);
        if (!directoryExists && !create)
        {
            throw new DataDirectoryException($"The data directory {full} does not exist; create it with 'tracevault init --data {full}'.");
        }

        var databasePath = System.IO.Path.Combine(full, SqliteBackend.FileName);
        var keyFile = new RootKeyFile(rootKey.Path is { Length: > 0 } elsewhere ? elsewhere : System.IO.Path.Combine(full, RootKeyFileName), rootKey.Passphrase);
        var rootKeyPath = keyFile.Path;
        var databaseExists = directoryExists && File.Exists(databasePath);
        if (!databaseExists && !create)
        {
            throw new DataDirectoryException($"The data directory {full} holds no database ({SqliteBackend.FileName}); create it with 'tracevault init --data {full}'.");
        }

        if (databaseExists)
        {
            // A file that is not a Tracevault database is refused for what it is, before its root key is looked for.
            SqliteBackend.CheckFile(databasePath);
        }

        // Read before anything is created or written, so a missing or wrong passphrase leaves everything as it was.
        var rootKeys = keyFile.Exists ? LoadRootKeys(keyFile) : null;
        if (rootKeys is null && databaseExists)
        {
            // A new root key would open nothing the database holds and seal new secrets no backup of the old one opens.
            throw new DataDirectoryException(
                $"The root key file {rootKeyPath} is missing, but the database {databasePath} was sealed under it: restore it from your backup (Tracevault never replaces the root key of an existing database).");
        }

        rootKeys = CreateMissing(full, directoryExists, keyFile, rootKeys);

        var recorded = databaseExists ? VerifyRootKeys(rootKeys, rootKeyPath, databasePath).Recorded : [];

        // A root key kept elsewhere (a mounted secret, perhaps read-only) keeps the mode its owner gave it.
        var ownerOnly = new List<string> { System.IO.Path.Combine(full, CredentialsFileName) };
        ownerOnly.AddRange(SqliteBackend.Files(databasePath));
        if (IsInside(rootKeyPath, full))
        {
            ownerOnly.Add(rootKeyPath);
        }

        OwnerOnlyFiles.Restrict([.. ownerOnly]);
        var storage = SqliteBackend.Open(databasePath, rootKeys);

        // Record every key of the ring, including one an interrupted rotation wrote to the file before the database committed.
        var unrecorded = rootKeys.Checks().Where(c => !recorded.Any(r => r.KeyId == c.KeyId)).ToArray();
        if (unrecorded.Length > 0)
        {
            storage.RootKeySealed.Record(unrecorded);
        }

        var identity = new IdentityService(storage.Identities, rootKeys, time);
        return new DataDirectory(full, storage, keyFile, rootKeys, identity, postgres: null);
    }

    /// <summary>Opens a node's directory (its root key file and credentials) on a PostgreSQL database other nodes may be opening at the same instant.</summary>
    /// <remarks>
    /// Under the database's bootstrap lock: the root keys it expects are read before anything is written, and a node makes a
    /// root key only for a database that expects none, so of two nodes starting on an empty database the second finds the
    /// first one's key recorded and refuses (or, sharing its directory, uses the file the first one wrote).
    /// </remarks>
    private static DataDirectory OpenPostgres(string full, RootKeyOptions rootKey, NpgsqlConnectionStringBuilder postgres, TimeProvider time, bool create)
    {
        var where = PostgresConnectionString.Describe(postgres);
        var keyFile = new RootKeyFile(rootKey.Path is { Length: > 0 } elsewhere ? elsewhere : System.IO.Path.Combine(full, RootKeyFileName), rootKey.Passphrase);
        var directoryExists = Directory.Exists(full);
        if (!directoryExists && !create)
        {
            throw new DataDirectoryException($"The data directory {full}, which holds this node's root key file for the PostgreSQL database {where}, does not exist; give the directory that holds it, or make one with 'tracevault init --postgres … --data {full}'.");
        }

        try
        {
            using var bootstrap = create ? PostgresBackend.LockBootstrap(postgres) : null;
            var stored = PostgresBackend.ReadRootKeysBeforeOpening(postgres);
            var empty = stored.Recorded.Count == 0 && stored.Samples.Count == 0;
            if (empty && !create)
            {
                throw new DataDirectoryException($"The PostgreSQL database {where} holds no Tracevault data yet; create it with 'tracevault init --postgres … --data {full}'.");
            }

            // Read after taking the lock: a node that shares this directory and bootstrapped first has written it by now.
            var rootKeys = keyFile.Exists ? LoadRootKeys(keyFile) : null;
            if (!empty)
            {
                if (rootKeys is null)
                {
                    var expected = string.Join(", ", stored.Recorded.Select(r => r.KeyId.ToString(CultureInfo.InvariantCulture)));
                    throw new DataDirectoryException(
                        $"The PostgreSQL database {where} is sealed under root key {expected}, and this node has no root key file at {keyFile.Path}: copy the root key file of a node of this deployment there (Tracevault never makes another root key for a database that has one); nothing was written.");
                }

                try
                {
                    RootKeyVerification.Verify(rootKeys, stored);
                }
                catch (RootKeyMismatchException mismatch)
                {
                    throw new DataDirectoryException(
                        $"The root key file {keyFile.Path} does not belong to the PostgreSQL database {where} ({mismatch.Message}): give this node a copy of the root key file the database was made with; nothing was written.", mismatch);
                }
            }

            rootKeys = CreateMissing(full, directoryExists, keyFile, rootKeys);

            var ownerOnly = new List<string> { System.IO.Path.Combine(full, CredentialsFileName) };
            if (IsInside(keyFile.Path, full))
            {
                ownerOnly.Add(keyFile.Path);
            }

            OwnerOnlyFiles.Restrict([.. ownerOnly]);
            var storage = PostgresBackend.Open(postgres, rootKeys);
            try
            {
                // Recorded before anything is sealed under the key, so the next node to come finds which key the database expects.
                var unrecorded = rootKeys.Checks().Where(c => !stored.Recorded.Any(r => r.KeyId == c.KeyId)).ToArray();
                if (unrecorded.Length > 0)
                {
                    storage.RootKeySealed.Record(unrecorded);
                }

                var identity = new IdentityService(storage.Identities, rootKeys, time);
                return new DataDirectory(full, storage, keyFile, rootKeys, identity, postgres);
            }
            catch
            {
                storage.Dispose();
                throw;
            }
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException)
        {
            var reason = StorageFailure.Of(exception) is { } failure ? $"{failure.Code}: {failure.Reason}" : exception.Message;
            throw new DataDirectoryException($"The PostgreSQL database {where} cannot be used ({reason.TrimEnd('.')}).", exception);
        }
    }

    private static RootKeyRing LoadRootKeys(RootKeyFile keyFile)
    {
        try
        {
            return keyFile.Load();
        }
        catch (RootKeyPassphraseException exception)
        {
            throw new DataDirectoryException(
                $"The root key file {keyFile.Path} cannot be opened: {exception.Message}. Give the passphrase it is wrapped under in {PassphraseVariable} or in a file named by --root-key-passphrase-file; nothing was written.",
                exception);
        }
        catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryException($"The root key file {keyFile.Path} cannot be read ({exception.Message.TrimEnd('.')}): restore it from your backup.", exception);
        }
    }

    private static StoredRootKeys VerifyRootKeys(RootKeyRing rootKeys, string rootKeyPath, string databasePath)
    {
        try
        {
            var stored = SqliteBackend.ReadRootKeysBeforeOpening(databasePath);
            RootKeyVerification.Verify(rootKeys, stored);
            return stored;
        }
        catch (RootKeyMismatchException mismatch)
        {
            throw new DataDirectoryException(
                $"The root key file {rootKeyPath} does not belong to the database {databasePath} ({mismatch.Message}): restore the root key file made with this database from your backup.", mismatch);
        }
        catch (System.Data.Common.DbException exception)
        {
            throw new DataDirectoryException($"The database {databasePath} cannot be read ({exception.Message.TrimEnd('.')}).", exception);
        }
    }

    /// <summary>
    /// What a first start makes before the store is written: the data directory (owner-only) when it is missing, and a new root key
    /// saved to <paramref name="keyFile"/> when none is held; returns the root keys to open the store with.
    /// </summary>
    private static RootKeyRing CreateMissing(string full, bool directoryExists, RootKeyFile keyFile, RootKeyRing? rootKeys)
    {
        var keyDirectory = System.IO.Path.GetDirectoryName(keyFile.Path)!;
        if (rootKeys is null && !IsInside(keyFile.Path, full) && !Directory.Exists(keyDirectory))
        {
            throw new DataDirectoryException($"The directory {keyDirectory} of the root key file {keyFile.Path} does not exist; Tracevault makes the file, not the directory where you keep it.");
        }

        if (!directoryExists)
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (rootKeys is not null)
        {
            return rootKeys;
        }

        var created = RootKeyRing.CreateNew();
        keyFile.Save(created);
        return created;
    }

    private static bool IsInside(string path, string directory)
    {
        var relative = System.IO.Path.GetRelativePath(directory, path);
        return relative != ".." && !relative.StartsWith(".." + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(relative);
    }

    /// <summary>The path with every symbolic link along it followed, as far as it exists.</summary>
    private static string Resolve(string path)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        var parent = System.IO.Path.GetDirectoryName(full);
        var resolved = parent is null ? full : System.IO.Path.Combine(Resolve(parent), System.IO.Path.GetFileName(full));
        FileSystemInfo info = Directory.Exists(resolved) ? new DirectoryInfo(resolved) : new FileInfo(resolved);
        return info.LinkTarget is null ? resolved : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName is { } target ? Resolve(target) : resolved;
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
    /// <remarks>On PostgreSQL, under the database's bootstrap lock, so of several nodes starting at once on an empty database only one makes them.</remarks>
    public NewUser? InitializeIfEmpty()
    {
        using var bootstrap = _postgres is null ? null : PostgresBackend.LockBootstrap(_postgres);
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
