namespace Tracevault.Core.Traces.Filters;

/// <summary>Thrown when a filter expression cannot be parsed; the message says where and why.</summary>
public sealed class FilterExpressionException : Exception
{
    /// <summary>Creates the exception for a problem at a 0-based character offset of the expression.</summary>
    public FilterExpressionException(int position, string reason)
        : base($"Invalid filter expression at position {position}: {reason}")
    {
        Position = position;
        Reason = reason;
    }

    /// <summary>Creates the exception without details, at position 0.</summary>
    public FilterExpressionException()
        : this(0, "the expression is not valid")
    {
    }

    /// <summary>Creates the exception with a message only, at position 0.</summary>
    public FilterExpressionException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates the exception with a message and an inner exception, at position 0.</summary>
    public FilterExpressionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>The 0-based character offset in the expression where the problem was found.</summary>
    public int Position { get; }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Reason { get; }
}
