namespace Tracevault.Core.Traces.Statistics;

/// <summary>How far a trace's <see cref="TraceFacts"/> can stand for the whole trace.</summary>
public enum TraceFactsCertainty
{
    /// <summary>Every fact is what assembling all the trace's documents gives.</summary>
    Exact,

    /// <summary>The root, times, outcome, HTTP request, annotations, users and resources are exact; the calls, the services and the partial state may not be.</summary>
    LinksUnknown,

    /// <summary>Only the documents can tell.</summary>
    Uncertain,
}
