namespace Tracevault.Core.Indexing;

/// <summary>X-Ray's indexing rule: the share of an account's OpenTelemetry traces, by trace id, that get trace summaries.</summary>
/// <param name="Name">The rule's name; an account has one rule, <see cref="DefaultName"/>.</param>
/// <param name="DesiredSamplingPercentage">The percentage of trace ids indexed, from 0 to 100.</param>
public sealed record IndexingRule(string Name, double DesiredSamplingPercentage)
{
    /// <summary>The name of the one rule every account has.</summary>
    public const string DefaultName = "Default";

    /// <summary>
    /// The percentage an account starts with: every trace indexed, as Tracevault indexed every OpenTelemetry trace before it had
    /// indexing rules (X-Ray starts at 1%, which would hide 99 of 100 traces from a user who changed nothing).
    /// </summary>
    public const double DefaultPercentage = 100;

    /// <summary>The rule an account has until it updates it.</summary>
    public static IndexingRule Default { get; } = new(DefaultName, DefaultPercentage);

    /// <summary>Whether <paramref name="percentage"/> is one a rule may hold: a finite number from 0 to 100.</summary>
    public static bool IsValidPercentage(double percentage) => percentage is >= 0 and <= 100;
}
