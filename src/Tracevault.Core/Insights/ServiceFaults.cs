using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>How many requests a service served and how many of them faulted (5xx).</summary>
/// <param name="Service">The service.</param>
/// <param name="Requests">Its completed requests.</param>
/// <param name="Faults">Those that faulted.</param>
public sealed record ServiceFaults(ServiceId Service, long Requests, long Faults);
