namespace Tracevault.Core.Traces;

/// <summary>An exception recorded on a root-cause entity.</summary>
/// <param name="Name">The exception's type, e.g. <c>ConditionalCheckFailedException</c>.</param>
/// <param name="Message">The exception's message.</param>
public sealed record RootCauseException(string? Name, string? Message);
