namespace Tracevault.Core.Insights;

/// <summary>The parameters of the insight test: windows, significance levels and minimum counts.</summary>
public sealed record InsightDetectionOptions
{
    /// <summary>The minutes of history the baseline fault rate is taken from, before the window. Default 30.</summary>
    public int BaselineMinutes { get; init; } = 30;

    /// <summary>The latest minutes whose fault count is tested. Default 1.</summary>
    public int WindowMinutes { get; init; } = 1;

    /// <summary>The family-wise significance level that opens an insight, shared among the services tested (Bonferroni). Default 0.001.</summary>
    public double Significance { get; init; } = 0.001;

    /// <summary>The significance level below which an open insight's services still count as anomalous; above it the minute is quiet. Default 0.05.</summary>
    public double CloseSignificance { get; init; } = 0.05;

    /// <summary>The fewest faults in the window that can be anomalous. Default 5.</summary>
    public long MinFaults { get; init; } = 5;

    /// <summary>The fewest baseline requests a service needs to be tested at all. Default 100.</summary>
    public long MinBaselineRequests { get; init; } = 100;

    /// <summary>How many quiet minutes in a row close an insight. Default 2.</summary>
    public int QuietMinutesToClose { get; init; } = 2;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (BaselineMinutes is < 1 or > 1440 || WindowMinutes is < 1 or > 60 || QuietMinutesToClose is < 1 or > 60)
        {
            throw new ArgumentException("Insights' baseline must be 1 to 1440 minutes, their window and quiet minutes 1 to 60.");
        }

        if (Significance is <= 0 or >= 1 || CloseSignificance is <= 0 or >= 1 || CloseSignificance < Significance)
        {
            throw new ArgumentException("Insights' significance levels must be between 0 and 1, the closing one no lower than the opening one.");
        }

        if (MinFaults < 1 || MinBaselineRequests < 1)
        {
            throw new ArgumentException("Insights' minimum fault and baseline request counts must be at least 1.");
        }
    }
}
