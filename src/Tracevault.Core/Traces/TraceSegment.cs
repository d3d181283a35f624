namespace Tracevault.Core.Traces;

/// <summary>One document of a trace as <c>BatchGetTraces</c> returns it (the model's <c>Segment</c>).</summary>
/// <param name="Id">The document's segment id.</param>
/// <param name="Document">The segment document as JSON text.</param>
public sealed record TraceSegment(string Id, string Document);
