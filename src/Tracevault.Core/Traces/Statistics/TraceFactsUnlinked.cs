namespace Tracevault.Core.Traces.Statistics;

/// <summary>A segment whose parent was not among its batch's documents: its caller is whatever part holds the parent.</summary>
/// <param name="ParentId">Its parent's id folded to 32 bits, as <see cref="TraceFactsLink.Id"/>.</param>
/// <param name="Service">The index, in <see cref="TraceFacts.Services"/>, of the segment's service.</param>
/// <param name="Request">The index, in <see cref="TraceFacts.Requests"/>, of the segment's request, or -1 when not kept.</param>
public readonly record struct TraceFactsUnlinked(uint ParentId, int Service, int Request = -1);
