namespace Tracevault.Keys.RootKeys;

/// <summary>Thrown when a root key file's passphrase is missing, wrong, or given for a file not wrapped under one.</summary>
public sealed class RootKeyPassphraseException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> says what is wrong and never carries the passphrase.</summary>
    public RootKeyPassphraseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public RootKeyPassphraseException()
    {
    }

    /// <summary>Creates the exception with the failure that revealed the problem.</summary>
    public RootKeyPassphraseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
