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

    /// <summary>Opens a data directory, creating the directory, its database and its root key when absent.</summary>
    public static DataDirectory Open(string path, TimeProvider time)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
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

        var rootKeyPath = System.IO.Path.Combine(full, RootKeyFileName);
        RootKeyRing rootKeys;
        if (File.Exists(rootKeyPath))
        {
            rootKeys = RootKeyRing.Load(rootKeyPath);
        }
        else
        {
            rootKeys = RootKeyRing.CreateNew();
            rootKeys.Save(rootKeyPath);
        }

        var database = new SqliteDatabase(System.IO.Path.Combine(full, SqliteDatabase.FileName));
        var identity = new IdentityService(new SqliteIdentityRepository(database), rootKeys, time);
        return new DataDirectory(full, database, rootKeys, identity);
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
        WriteCredentialsFile(admin);
        return admin;
    }

    /// <summary>The lines that point the AWS CLI and SDKs at this server (version 1 of the CLI reads only <c>AWS_DEFAULT_REGION</c>).</summary>
    public string ClientSettings(string region, string endpointUrl) => string.Create(CultureInfo.InvariantCulture, $"""
        export AWS_SHARED_CREDENTIALS_FILE={CredentialsPath}
        export AWS_REGION={region}
        export AWS_DEFAULT_REGION={region}
        export AWS_ENDPOINT_URL={endpointUrl}
        """);

    private void WriteCredentialsFile(NewUser admin)
    {
        var text = new StringBuilder()
            .Append("[default]\n")
            .Append("aws_access_key_id = ").Append(admin.AccessKeyId).Append('\n')
            .Append("aws_secret_access_key = ").Append(admin.SecretAccessKey).Append('\n')
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
