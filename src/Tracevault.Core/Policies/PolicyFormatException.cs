namespace Tracevault.Core.Policies;

/// <summary>Thrown when a policy document is not valid JSON or breaks the policy grammar; the message says what is wrong and where.</summary>
public sealed class PolicyFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the problem and its place in the document.</summary>
    public PolicyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public PolicyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
