using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>One service's test in one window: its faults, the rate its baseline predicts, and how likely so many faults were.</summary>
/// <param name="Service">The service.</param>
/// <param name="Requests">Its requests in the window.</param>
/// <param name="Faults">Its faults in the window.</param>
/// <param name="BaselineRate">The fault rate its baseline predicts (<see cref="FaultRateTest.BaselineRate"/>).</param>
/// <param name="PValue">P(this many faults or more) at the baseline rate.</param>
public sealed record ServiceFaultTest(ServiceId Service, long Requests, long Faults, double BaselineRate, double PValue)
{
    /// <summary>The window's fault rate.</summary>
    public double Rate => Requests == 0 ? 0 : (double)Faults / Requests;
}
