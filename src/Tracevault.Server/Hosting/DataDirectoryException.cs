namespace Tracevault.Server.Hosting;

/// <summary>Thrown when a data directory cannot be opened as asked; its message is one line naming the file and what to do.</summary>
public sealed class DataDirectoryException : Exception
{
    /// <summary>Creates the exception with the line to show.</summary>
    public DataDirectoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public DataDirectoryException()
    {
    }

    /// <summary>The command's exit code when it ends on this exception: 1, or 2 for a value the command cannot take.</summary>
    public int ExitCode { get; init; } = 1;

    /// <summary>Creates the exception with the line to show and the failure behind it.</summary>
    public DataDirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
