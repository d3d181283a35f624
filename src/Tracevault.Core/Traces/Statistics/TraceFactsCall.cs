namespace Tracevault.Core.Traces.Statistics;

/// <summary>One call between services of a trace: the calling service, and the request of the called one that describes it.</summary>
/// <param name="Caller">The index, in <see cref="TraceFacts.Services"/>, of the calling service.</param>
/// <param name="Request">The index, in <see cref="TraceFacts.Requests"/>, of the call: the callee's segment, or the calling subsegment when the callee is inferred.</param>
public readonly record struct TraceFactsCall(int Caller, int Request);
