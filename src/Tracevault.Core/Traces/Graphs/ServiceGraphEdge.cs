namespace Tracevault.Core.Traces.Graphs;

/// <summary>Calls from one service to a downstream one (the model's <c>Edge</c>).</summary>
/// <param name="ReferenceId">The <see cref="ServiceGraphNode.ReferenceId"/> of the called service.</param>
/// <param name="StartTime">The start of the first call, in epoch seconds.</param>
/// <param name="EndTime">The end of the last call, in epoch seconds.</param>
/// <param name="SummaryStatistics">Outcomes of the completed calls.</param>
/// <param name="ResponseTimeHistogram">The spread of the calls' response times.</param>
public sealed record ServiceGraphEdge(
    int ReferenceId,
    double StartTime,
    double EndTime,
    RequestStatistics SummaryStatistics,
    IReadOnlyList<HistogramEntry> ResponseTimeHistogram);
