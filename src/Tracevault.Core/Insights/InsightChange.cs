namespace Tracevault.Core.Insights;

/// <summary>What one minute's evaluation did to a group's insight.</summary>
public enum InsightChange
{
    /// <summary>Nothing: no insight, and none opened.</summary>
    None,

    /// <summary>A new insight opened.</summary>
    Opened,

    /// <summary>The open insight was brought up to date.</summary>
    Updated,

    /// <summary>The open insight closed.</summary>
    Closed,
}
