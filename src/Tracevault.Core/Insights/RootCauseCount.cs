using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>How many faulted traces named a service as their fault root cause.</summary>
/// <param name="Service">The service at the end of the fault root cause path.</param>
/// <param name="Traces">The traces that named it.</param>
public sealed record RootCauseCount(ServiceId Service, long Traces);
