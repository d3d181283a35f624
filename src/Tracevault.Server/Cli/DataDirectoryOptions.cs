using System.CommandLine;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Cli;

/// <summary>The options of every command that opens a data directory: where it is, where its root key file is, and the file holding that file's passphrase.</summary>
/// <remarks>
/// Each comes from the command line, else its <c>TRACEVAULT_*</c> variable, else the configuration file (<see cref="ServeSettings"/>).
/// The passphrase itself is never an option: it comes from <see cref="DataDirectory.PassphraseVariable"/> or from the passphrase file.
/// </remarks>
internal sealed class DataDirectoryOptions
{
    /// <summary>The <c>--data</c> option.</summary>
    public Option<string> Data { get; } = new("--data", "-d")
    {
        Description = "The data directory.",
        DefaultValueFactory = _ => "./tracevault-data",
    };

    /// <summary>The <c>--root-key-file</c> option (alias <c>--root-key</c>).</summary>
    public Option<string?> RootKeyFile { get; } = new("--root-key-file", "--root-key")
    {
        Description = $"The root key file (default: {DataDirectory.RootKeyFileName} in the data directory, where every copy of the directory carries it); keep it elsewhere, e.g. a mounted secret.",
    };

    /// <summary>The <c>--root-key-passphrase-file</c> option.</summary>
    public Option<string?> PassphraseFile { get; } = new("--root-key-passphrase-file")
    {
        Description = $"A file holding the passphrase the root key file is wrapped under (or set {DataDirectory.PassphraseVariable}).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Data);
        command.Options.Add(RootKeyFile);
        command.Options.Add(PassphraseFile);
    }

    /// <summary>Adds the options to an admin command, each naming its environment variable in its help.</summary>
    public void AddToAdminCommand(Command command)
    {
        AddTo(command);
        ServeSettings.DescribeVariables([Data, RootKeyFile, PassphraseFile]);
    }

    /// <summary>The data directory and root key options of an admin command, read from its command line, the environment or the configuration file.</summary>
    /// <exception cref="DataDirectoryException">The configuration file or the passphrase file cannot be read, or the passphrase is given twice.</exception>
    public (string Path, RootKeyOptions RootKey) Resolve(ParseResult parse, Command command)
    {
        try
        {
            return Resolve(ServeSettings.Load(parse, command, config: null));
        }
        catch (ArgumentException exception)
        {
            throw new DataDirectoryException(exception.Message, exception);
        }
    }

    /// <summary>Opens the existing data directory an admin command names.</summary>
    /// <exception cref="DataDirectoryException">It cannot be opened as asked.</exception>
    public DataDirectory Open(ParseResult parse, Command command)
    {
        var (path, rootKey) = Resolve(parse, command);
        return DataDirectory.Open(path, rootKey, TimeProvider.System);
    }

    /// <summary>The data directory and root key options, read through <paramref name="settings"/>.</summary>
    /// <exception cref="DataDirectoryException">The passphrase file cannot be read or is empty, or the passphrase is given twice.</exception>
    public (string Path, RootKeyOptions RootKey) Resolve(ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = settings.Get(Data);
        var rootKeyFile = settings.Get(RootKeyFile);
        var passphraseFile = settings.Get(PassphraseFile);
        var passphrase = Environment.GetEnvironmentVariable(DataDirectory.PassphraseVariable) is { Length: > 0 } variable ? variable : null;
        if (passphraseFile is { Length: > 0 })
        {
            if (passphrase is not null)
            {
                throw new DataDirectoryException($"The root key passphrase is given twice, in {DataDirectory.PassphraseVariable} and in {PassphraseFile.Name}: give it one way.");
            }

            passphrase = ReadPassphrase(passphraseFile);
        }

        return (path, new RootKeyOptions { Path = rootKeyFile is { Length: > 0 } ? rootKeyFile : null, Passphrase = passphrase });
    }

    /// <summary>The passphrase in text read from a file or standard input: all of it but one line ending; null when nothing is left.</summary>
    public static string? TrimLineEnding(string text) =>
        (text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text) is { Length: > 0 } passphrase ? passphrase : null;

    private static string ReadPassphrase(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryException($"The root key passphrase file {Path.GetFullPath(file)} cannot be read ({exception.Message.TrimEnd('.')}).", exception);
        }

        return TrimLineEnding(text) ?? throw new DataDirectoryException($"The root key passphrase file {Path.GetFullPath(file)} is empty.");
    }
}
