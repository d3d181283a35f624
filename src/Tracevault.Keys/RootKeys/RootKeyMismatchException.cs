namespace Tracevault.Keys.RootKeys;

/// <summary>Thrown when a root key ring is not the one a store was sealed under.</summary>
public sealed class RootKeyMismatchException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> says which root key differs and never carries key material.</summary>
    public RootKeyMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public RootKeyMismatchException()
    {
    }

    /// <summary>Creates the exception with the failure that revealed the mismatch.</summary>
    public RootKeyMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
