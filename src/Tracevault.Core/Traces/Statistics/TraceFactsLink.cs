namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// An entity of a trace, as a segment or independent subsegment stored in another batch may name it as its parent: the service whose
/// call a child of it is, and the service it stands for when it is an <c>aws</c>/<c>remote</c> subsegment that called no segment of
/// its own batch (which a segment naming it replaces).
/// </summary>
/// <param name="Id">The entity's id folded to 32 bits (ids are random: a collision within one trace is as good as impossible).</param>
/// <param name="Service">The index, in <see cref="TraceFacts.Services"/>, of the service whose call a child of it is.</param>
/// <param name="Inferred">The index of the service inferred from the subsegment, or -1.</param>
/// <param name="Document">Whether it is a stored document of its own (a segment, or an independent subsegment whose parent was not there).</param>
public readonly record struct TraceFactsLink(uint Id, int Service, int Inferred, bool Document);
