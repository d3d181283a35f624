using System.Text;

namespace Tracevault.Core.Traces;

/// <summary>One document of a trace as <c>BatchGetTraces</c> returns it (the model's <c>Segment</c>).</summary>
/// <param name="Id">The document's segment id.</param>
/// <param name="Utf8Document">The segment document, UTF-8 JSON, as stored.</param>
public sealed record TraceSegment(string Id, ReadOnlyMemory<byte> Utf8Document)
{
    /// <summary>The segment document as JSON text.</summary>
    public string Document => Encoding.UTF8.GetString(Utf8Document.Span);
}
