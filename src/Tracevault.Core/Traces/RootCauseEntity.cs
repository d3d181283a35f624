namespace Tracevault.Core.Traces;

/// <summary>One segment or subsegment on the path to a root cause.</summary>
/// <param name="Name">The entity's name.</param>
/// <param name="Exceptions">The exceptions the entity recorded; empty above the deepest entity.</param>
/// <param name="Remote">Whether the entity is a call to a remote service (<c>namespace</c> <c>aws</c> or <c>remote</c>).</param>
/// <param name="Coverage">For a response-time root cause, the entity's response time over the root segment's; otherwise <see langword="null"/>.</param>
public sealed record RootCauseEntity(string Name, IReadOnlyList<RootCauseException> Exceptions, bool? Remote, double? Coverage = null);
