using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>What <see cref="TraceFactsQuery"/> found in a time range.</summary>
/// <param name="Matches">The facts of every trace the filter picks (the whole trace's, merged from its parts).</param>
/// <param name="InRange">How many traces are dated in the range (matching or not).</param>
/// <param name="NotCounted">Traces whose facts could not answer the filter for certain and were too many to read whole: neither counted nor listed.</param>
/// <param name="Page">The page of summaries asked for.</param>
public sealed record TraceFactsAnswer(IReadOnlyList<TraceFacts> Matches, int InRange, int NotCounted, SummaryPage Page);
