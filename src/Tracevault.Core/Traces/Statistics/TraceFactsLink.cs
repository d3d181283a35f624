namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// An entity of a trace that a segment stored in another batch may name as its parent: a segment (a call from it comes from its own
/// service), or an <c>aws</c>/<c>remote</c> subsegment that called no segment of its own batch (it stands for an inferred service,
/// which a segment naming it replaces).
/// </summary>
/// <param name="Id">The entity's id (16 hexadecimal digits as a number).</param>
/// <param name="Service">The index, in <see cref="TraceFacts.Services"/>, of the service whose call it is.</param>
/// <param name="Inferred">The index of the service inferred from the subsegment, or -1 for a segment.</param>
public readonly record struct TraceFactsLink(ulong Id, int Service, int Inferred);
