namespace Tracevault.Keys.Envelope;

/// <summary>Thrown when stored data cannot be opened for a reader: no right to decrypt with its key, or the key is gone.</summary>
/// <param name="keyArn">The key protecting the data.</param>
/// <param name="message">What went wrong, naming the key.</param>
/// <param name="accessDenied">True when the reader lacks permission; false when the key can no longer decrypt for anyone.</param>
public sealed class DataKeyAccessException(string keyArn, string message, bool accessDenied) : Exception(message)
{
    /// <summary>The key protecting the data.</summary>
    public string KeyArn { get; } = keyArn;

    /// <summary>True when the reader lacks permission; false when the data is unreadable for everyone.</summary>
    public bool AccessDenied { get; } = accessDenied;
}
