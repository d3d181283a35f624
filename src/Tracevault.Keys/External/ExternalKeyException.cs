namespace Tracevault.Keys.External;

/// <summary>The external key service refused a call (its error code), or could not be reached.</summary>
/// <param name="code">The service's error code, e.g. <c>DisabledException</c>; <c>KeyServiceUnreachable</c> when it did not answer.</param>
/// <param name="message">What the service said, or why it could not be reached.</param>
/// <param name="unreachable">True when the service did not answer (connection refused, timeout, 5xx).</param>
public sealed class ExternalKeyException(string code, string message, bool unreachable) : Exception(message)
{
    /// <summary>The code of an unreachable service.</summary>
    public const string UnreachableCode = "KeyServiceUnreachable";

    /// <summary>The service's error code.</summary>
    public string Code { get; } = code;

    /// <summary>True when the service did not answer.</summary>
    public bool Unreachable { get; } = unreachable;
}
