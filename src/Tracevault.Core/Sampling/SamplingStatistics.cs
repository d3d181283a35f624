namespace Tracevault.Core.Sampling;

/// <summary>What one client reported about one rule in its latest <c>GetSamplingTargets</c> call (a <c>SamplingStatisticsDocument</c>).</summary>
/// <param name="RuleName">The rule.</param>
/// <param name="ClientId">The reporting client's id (24 hexadecimal characters).</param>
/// <param name="Timestamp">The time the client gave its report.</param>
/// <param name="RequestCount">Requests that matched the rule since the client's previous report: its demand.</param>
/// <param name="SampledCount">Requests it traced.</param>
/// <param name="BorrowCount">Requests it traced by borrowing from the reservoir before it had a quota.</param>
/// <param name="ReceivedAt">When a Tracevault node received the report.</param>
public sealed record SamplingStatistics(
    string RuleName,
    string ClientId,
    DateTimeOffset Timestamp,
    long RequestCount,
    long SampledCount,
    long BorrowCount,
    DateTimeOffset ReceivedAt);
