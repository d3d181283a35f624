using System.CommandLine;
using Npgsql;
using Tracevault.Server.Hosting;
using Tracevault.Storage.Postgres;

namespace Tracevault.Server.Cli;

/// <summary>The options of every command that opens a data directory: where it is, where its root key file is, the file holding that file's passphrase, and the PostgreSQL database that holds the data instead of SQLite.</summary>
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

    /// <summary>The <c>--postgres</c> option.</summary>
    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "Keep everything in this PostgreSQL database, shared by every node (an Npgsql connection string or a postgresql:// URL), instead of SQLite in the data directory, which then holds only the node's root key file and the admin's credentials.",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Data);
        command.Options.Add(RootKeyFile);
        command.Options.Add(PassphraseFile);
        command.Options.Add(Postgres);
    }

    /// <summary>Adds the options to an admin command, each naming its environment variable in its help.</summary>
    public void AddToAdminCommand(Command command)
    {
        AddTo(command);
        ServeSettings.DescribeVariables([Data, RootKeyFile, PassphraseFile, Postgres]);
    }

    /// <summary>The data directory, root key and PostgreSQL options of an admin command, read from its command line, the environment or the configuration file.</summary>
    /// <exception cref="DataDirectoryException">The configuration file or the passphrase file cannot be read, the passphrase is given twice, or <c>--postgres</c> names no database.</exception>
    public (string Path, RootKeyOptions RootKey, NpgsqlConnectionStringBuilder? Postgres) Resolve(ParseResult parse, Command command)
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
        var (path, rootKey, postgres) = Resolve(parse, command);
        return DataDirectory.Open(path, rootKey, postgres, TimeProvider.System);
    }

    /// <summary>The data directory, root key and PostgreSQL options, read through <paramref name="settings"/>.</summary>
    /// <exception cref="DataDirectoryException">The passphrase file cannot be read or is empty, the passphrase is given twice, or <c>--postgres</c> names no database (exit code 2).</exception>
    public (string Path, RootKeyOptions RootKey, NpgsqlConnectionStringBuilder? Postgres) Resolve(ServeSettings settings)
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

        return (path, new RootKeyOptions { Path = rootKeyFile is { Length: > 0 } ? rootKeyFile : null, Passphrase = passphrase }, ParsePostgres(settings.Get(Postgres)));
    }

    /// <summary>The database <c>--postgres</c> names, or null when it is not given.</summary>
    /// <exception cref="DataDirectoryException">It names none (exit code 2); the line never repeats the value, which may hold a password.</exception>
    private static NpgsqlConnectionStringBuilder? ParsePostgres(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return PostgresConnectionString.Parse(value);
        }
        catch (ArgumentException exception)
        {
            var message = exception.ParamName is { } name ? exception.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : exception.Message;
            throw new DataDirectoryException(message.StartsWith("--postgres", StringComparison.Ordinal) ? message : "--postgres: " + message, exception) { ExitCode = 2 };
        }
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
