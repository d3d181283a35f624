namespace Tracevault.Keys.RootKeys;

/// <summary>Thrown when a root key cannot be retired: it is the current one, or something is still sealed under it.</summary>
public sealed class RootKeyInUseException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> names the key and what still uses it.</summary>
    public RootKeyInUseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public RootKeyInUseException()
    {
    }

    /// <summary>Creates the exception with the failure behind it.</summary>
    public RootKeyInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
