using System.CommandLine;
using System.Globalization;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Cli;

/// <summary>The <c>root-key</c> commands: rotate, retire and protect (wrap under a passphrase).</summary>
internal static class RootKeyCommands
{
    /// <summary><c>root-key rotate</c>: a new root key, everything re-sealed under it; <paramref name="reached"/> is told each step.</summary>
    public static Command Rotate(Action<RootKeyRotationStep> reached)
    {
        var data = new DataDirectoryOptions();
        var rotate = new Command("rotate", "Add a new root key and re-seal all key material and access-key secrets under it; the root key file is rewritten where it is, wrapped as it was.");
        data.AddToAdminCommand(rotate);
        rotate.SetAction(parse =>
        {
            var directory = data.Open(parse, rotate);
            var old = directory.RootKeys.KeyIds.Order().ToArray();
            return WritingRootKeyFile($"rotate the root key (file {directory.RootKeyPath})", () =>
            {
                var store = directory.Storage.RootKeySealed;
                var (progress, total) = (ProgressReporter.ForConsole(), store.CountSealed());
                progress.Begin(string.Create(CultureInfo.InvariantCulture, $"re-sealing {total:N0} key versions, access keys and service keys under a new root key"));
                var (ring, counts) = RootKeyRotation.Rotate(directory.RootKeyFile, directory.RootKeys, store, reached, done => progress.Report(done, total, "re-sealed", "items"));
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Added root key {ring.CurrentKeyId}; re-sealed {counts.KeyVersions} key version(s), {counts.AccessKeys} access key(s) and {counts.ServiceKeys} service key version(s) under it."));
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"The root key file still holds root key(s) {string.Join(", ", old)}; once you trust the new one, retire each with 'tracevault root-key retire ID'."));
            });
        });
        return rotate;
    }

    /// <summary><c>root-key retire ID</c>: an old root key removed from the database's records and from the root key file.</summary>
    public static Command Retire()
    {
        var data = new DataDirectoryOptions();
        var id = new Argument<int>("ID") { Description = "The id of the root key to retire (never the current one; 'root-key rotate' names the keys)." };
        var retire = new Command("retire", "Remove an old root key from the root key file, so neither it nor any copy of the directory it once opened opens anything now; "
            + "refused for the current key and while anything is still sealed under it ('root-key rotate' re-seals everything first).") { id };
        data.AddToAdminCommand(retire);
        retire.SetAction(parse =>
        {
            var directory = data.Open(parse, retire);
            var keyId = parse.GetValue(id);
            try
            {
                return WritingRootKeyFile(string.Create(CultureInfo.InvariantCulture, $"retire root key {keyId} (file {directory.RootKeyPath})"), () =>
                {
                    var (ring, relinked) = RootKeyRetirement.Retire(directory.RootKeyFile, directory.RootKeys, keyId, directory.Storage.RootKeySealed);
                    System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Retired root key {keyId}: the root key file {directory.RootKeyPath} holds root key(s) {string.Join(", ", ring.KeyIds.Order())}; re-linked {relinked} audit record(s) under root key {ring.CurrentKeyId}."));
                    System.Console.WriteLine("Copies of the root key file made before now still hold it, and open the backups of the database made before the last rotation: destroy both.");
                });
            }
            catch (RootKeyInUseException exception)
            {
                System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cannot retire root key {keyId}: {exception.Message}."));
                return 1;
            }
        });
        return retire;
    }

    /// <summary><c>root-key protect</c>: the root key file wrapped under a passphrase read from standard input.</summary>
    public static Command Protect()
    {
        var data = new DataDirectoryOptions();
        var protect = new Command("protect", "Wrap the root key file under a passphrase read from standard input (replacing the one it had, if any); "
            + $"every command needs it from then on, in {DataDirectory.PassphraseVariable} or a file named by --root-key-passphrase-file.");
        data.AddToAdminCommand(protect);
        protect.SetAction(parse =>
        {
            if (!System.Console.IsInputRedirected)
            {
                System.Console.Error.WriteLine("Give the new passphrase on standard input, e.g. 'tracevault root-key protect < passphrase-file'; it is never taken from the command line or prompted for.");
                return 2;
            }

            var passphrase = DataDirectoryOptions.TrimLineEnding(System.Console.In.ReadToEnd());
            if (passphrase is not { Length: >= RootKeyFile.MinimumPassphraseLength })
            {
                System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"The new passphrase read from standard input must have at least {RootKeyFile.MinimumPassphraseLength} characters; nothing was changed."));
                return 2;
            }

            var (path, rootKey, postgres) = data.Resolve(parse, protect);
            var keyPath = new RootKeyFile(rootKey.Path ?? Path.Combine(Path.GetFullPath(path), DataDirectory.RootKeyFileName), null);
            if (rootKey.Passphrase is not null && keyPath.Exists && !IsWrapped(keyPath))
            {
                // A file not wrapped yet opens without the passphrase that may already be set for it.
                rootKey.Passphrase = null;
            }

            var directory = DataDirectory.Open(path, rootKey, postgres, TimeProvider.System);
            return WritingRootKeyFile($"wrap the root key file {directory.RootKeyPath}", () =>
            {
                directory.RootKeyFile.WithPassphrase(passphrase).Save(directory.RootKeys);
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Wrapped the root key file {directory.RootKeyPath} under the new passphrase ({RootKeyFile.Kdf}, {RootKeyFile.Iterations} iterations); "
                    + $"every command needs it from now on, in {DataDirectory.PassphraseVariable} or a file named by --root-key-passphrase-file."));
            });
        });
        return protect;
    }

    private static bool IsWrapped(RootKeyFile file)
    {
        try
        {
            return file.IsWrappedOnDisk();
        }
        catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            // Opening the directory reports what is wrong with the file.
            return true;
        }
    }

    /// <summary>Runs <paramref name="write"/>, reporting in one line a file that cannot be written (a root key file on a read-only mounted secret, say).</summary>
    /// <remarks>Each command is safe to run again once the cause is fixed: the root key file always opens what the database holds.</remarks>
    private static int WritingRootKeyFile(string action, Action write)
    {
        try
        {
            write();
            return 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            System.Console.Error.WriteLine($"Cannot {action}: {exception.Message.TrimEnd('.')}; run the command again once that is fixed.");
            return 1;
        }
    }
}
