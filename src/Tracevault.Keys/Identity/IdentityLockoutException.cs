namespace Tracevault.Keys.Identity;

/// <summary>A change refused because it would leave an account with no administrator holding an active access key.</summary>
public sealed class IdentityLockoutException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public IdentityLockoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IdentityLockoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public IdentityLockoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
