using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Demo;

/// <summary>One demo trace: the front end's X-Ray segment document, the back ends' OpenTelemetry spans by service, and what went wrong in it.</summary>
public sealed record DemoTrace(string TraceId, string FrontEndDocument, IReadOnlyDictionary<string, List<Span>> Spans, bool Fault, bool Error, bool Throttle, bool Slow)
{
    /// <summary>How many spans the back ends sent.</summary>
    public int SpanCount => Spans.Values.Sum(s => s.Count);
}
