namespace Tracevault.Core.Traces.Statistics;

/// <summary>An independent subsegment whose parent was not among its batch's documents: assembled alone, it stood for a service of its own.</summary>
/// <param name="ParentId">Its parent's id folded to 32 bits, as <see cref="TraceFactsLink.Id"/>.</param>
/// <param name="Service">The index, in <see cref="TraceFacts.Services"/>, of the service it stood for.</param>
/// <param name="Inferred">Whether, under its parent, it still infers that service (an <c>aws</c>/<c>remote</c> subsegment that called no segment).</param>
/// <param name="Request">The index, in <see cref="TraceFacts.Requests"/>, of the request it was of that service, or -1 when not kept.</param>
public readonly record struct TraceFactsOrphan(uint ParentId, int Service, bool Inferred, int Request = -1);
