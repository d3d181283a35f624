namespace Tracevault.Server.XRay.Statistics;

/// <summary>What <see cref="TraceFactsQuery"/> found in a time range.</summary>
/// <param name="Tally">The traces of the range, those that match, and the matches by response time and outcome.</param>
/// <param name="NotCounted">Traces whose facts could not answer the filter for certain and were too many to read whole: neither counted nor listed.</param>
/// <param name="Page">The page of summaries asked for.</param>
public sealed record TraceFactsAnswer(TraceFactsTally Tally, int NotCounted, SummaryPage Page);
