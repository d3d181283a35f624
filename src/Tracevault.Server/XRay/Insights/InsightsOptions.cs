using Tracevault.Core.Insights;

namespace Tracevault.Server.XRay.Insights;

/// <summary>How insights are evaluated: the statistical test's parameters and the evaluator's rhythm.</summary>
public sealed class InsightsOptions
{
    /// <summary>The test's windows, significance levels and minimum counts (see <see cref="InsightDecider"/>).</summary>
    public InsightDetectionOptions Detection { get; set; } = new();

    /// <summary>How often the evaluator looks for minutes to evaluate. Default 1 minute.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after a minute ends it is evaluated, so segments sent late (in flight, buffered by the SDKs) are counted. Default 30 seconds.</summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node's claim on a group-minute holds before another node may go on past it (its node died). Default 2 minutes.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most minutes back a group's evaluation starts from or catches up to (after insights are enabled, or after downtime). Default the baseline and the window.</summary>
    public int CatchUpMinutes => Detection.BaselineMinutes + Detection.WindowMinutes;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        Detection.Validate();
        if (EvaluationInterval <= TimeSpan.Zero || EvaluationInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("The insights evaluation interval must be more than 0 and at most a minute.");
        }

        if (SettleTime < TimeSpan.Zero || SettleTime > TimeSpan.FromMinutes(10) || ClaimLease < TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException("Insights' settle time must be 0 to 10 minutes and their claim lease at least 10 seconds.");
        }
    }
}
