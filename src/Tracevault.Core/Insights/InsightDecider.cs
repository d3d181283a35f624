using System.Globalization;
using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>
/// Opens, updates and closes a group's insight, one minute at a time, from the group's per-minute statistics.
/// </summary>
/// <remarks>
/// <para>Opening: with no insight open, the services' faults in the window (the latest <see cref="InsightDetectionOptions.WindowMinutes"/>
/// minutes) are tested against the <see cref="InsightDetectionOptions.BaselineMinutes"/> minutes before it at
/// <see cref="InsightDetectionOptions.Significance"/> (<see cref="FaultAnomalyDetector"/>); any anomalous service opens an insight.
/// Its root cause is the service the window's faulted traces most often name as their fault root cause; the baseline is frozen.</para>
/// <para>Closing: each later minute tests the window against that frozen baseline at the looser
/// <see cref="InsightDetectionOptions.CloseSignificance"/>; a minute in which no service is anomalous at that level is quiet, and
/// <see cref="InsightDetectionOptions.QuietMinutesToClose"/> quiet minutes in a row close the insight, ending it where the quiet
/// run began. The gap between the two levels keeps a rate that hovers near the edge from opening and closing insights by turns.</para>
/// <para>Events: one when it opens, one each minute the impact changes (the anomalous services, the root cause, or the number of
/// clients' requests that faulted), one when it closes. Pure: the same minutes give the same decision.</para>
/// </remarks>
public static class InsightDecider
{
    /// <summary>Evaluates the minute starting at <paramref name="minute"/>, given the group's open insight (if any) and its minutes up to and including that one.</summary>
    public static InsightDecision Decide(InsightState? open, IReadOnlyList<InsightMinute> history, long minute, InsightDetectionOptions options, Func<string> newId)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(newId);
        var windowStart = minute - ((options.WindowMinutes - 1) * 60L);
        var window = history.Where(m => m.Minute >= windowStart && m.Minute <= minute).ToList();
        var current = history.FirstOrDefault(m => m.Minute == minute);
        var seen = minute + 60;
        var windowCounts = FaultAnomalyDetector.Sum(window);
        if (open is null || !open.Active)
        {
            var baselineStart = windowStart - (options.BaselineMinutes * 60L);
            var baseline = FaultAnomalyDetector.Sum(history.Where(m => m.Minute >= baselineStart && m.Minute < windowStart));
            var anomalous = FaultAnomalyDetector.Anomalous(windowCounts, baseline, options.Significance, options);
            if (anomalous.Count == 0)
            {
                return new InsightDecision(InsightChange.None, null, null);
            }

            var rootCause = RootCauseOf(window, anomalous);
            var client = window.Aggregate(RequestImpact.None, (sum, m) => sum.Add(m.Client));
            var rootImpact = FaultAnomalyDetector.ImpactOf(rootCause, window);
            var top = anomalous.Select(t => t.Service).ToList();
            var summary = Describe(anomalous[0], rootCause, options);
            var key = ImpactKey(top, rootCause, current?.Client.FaultCount ?? 0);
            var opened = new InsightState(
                newId(), window.Min(m => m.Minute), null, rootCause, top, client, rootImpact, baseline, 0, RequestImpact.None, RequestImpact.None, seen, summary, key);
            return new InsightDecision(InsightChange.Opened, opened, new InsightEventRecord(seen, summary, client, rootImpact, top));
        }

        var minuteClient = current?.Client ?? RequestImpact.None;
        var minuteRoot = FaultAnomalyDetector.ImpactOf(open.RootCause, current is null ? [] : [current]);
        var still = FaultAnomalyDetector.Anomalous(windowCounts, open.Baseline, options.CloseSignificance, options);
        if (still.Count == 0)
        {
            var quiet = open with
            {
                QuietMinutes = open.QuietMinutes + 1,
                PendingClientImpact = open.PendingClientImpact.Add(minuteClient),
                PendingRootCauseImpact = open.PendingRootCauseImpact.Add(minuteRoot),
            };
            if (quiet.QuietMinutes < options.QuietMinutesToClose)
            {
                return new InsightDecision(InsightChange.Updated, quiet, null);
            }

            var end = seen - (quiet.QuietMinutes * 60L);
            var summary = open.Summary + string.Create(CultureInfo.InvariantCulture, $" The fault rate returned to the baseline at {DateTimeOffset.FromUnixTimeSeconds(end):yyyy-MM-ddTHH:mm:ssZ}.");
            var closed = quiet with { EndTime = end, LastUpdateTime = seen, Summary = summary, ImpactKey = "closed" };
            return new InsightDecision(InsightChange.Closed, closed, new InsightEventRecord(seen, summary, minuteClient, minuteRoot, []));
        }

        var root = RootCauseOf(window, still) ?? open.RootCause;
        var services = still.Select(t => t.Service).ToList();
        var impactKey = ImpactKey(services, root, minuteClient.FaultCount);
        var updated = open with
        {
            RootCause = root,
            TopAnomalousServices = services,
            ClientImpact = open.ClientImpact.Add(open.PendingClientImpact).Add(minuteClient),
            RootCauseImpact = Equals(root, open.RootCause)
                ? open.RootCauseImpact.Add(open.PendingRootCauseImpact).Add(minuteRoot)
                : FaultAnomalyDetector.ImpactOf(root, history.Where(m => m.Minute >= open.StartTime && m.Minute <= minute)),
            QuietMinutes = 0,
            PendingClientImpact = RequestImpact.None,
            PendingRootCauseImpact = RequestImpact.None,
        };
        if (impactKey == open.ImpactKey)
        {
            return new InsightDecision(InsightChange.Updated, updated, null);
        }

        var eventSummary = Describe(still[0], root, options);
        updated = updated with { LastUpdateTime = seen, ImpactKey = impactKey };
        var minuteRootNow = FaultAnomalyDetector.ImpactOf(root, current is null ? [] : [current]);
        return new InsightDecision(InsightChange.Updated, updated, new InsightEventRecord(seen, eventSummary, minuteClient, minuteRootNow, services));
    }

    /// <summary>The service the window's faulted traces most often name as their fault root cause, else the most anomalous service.</summary>
    private static ServiceId? RootCauseOf(IReadOnlyList<InsightMinute> window, IReadOnlyList<ServiceFaultTest> anomalous) =>
        window.SelectMany(m => m.RootCauses)
            .GroupBy(c => c.Service)
            .Select(g => (Service: g.Key, Traces: g.Sum(c => c.Traces)))
            .OrderByDescending(c => c.Traces).ThenBy(c => c.Service.Name, StringComparer.Ordinal)
            .Select(c => c.Service)
            .FirstOrDefault() ?? (anomalous.Count > 0 ? anomalous[0].Service : null);

    private static string ImpactKey(IEnumerable<ServiceId> services, ServiceId? rootCause, long clientFaults) =>
        string.Join(',', services.Select(s => s.ToString()).Order(StringComparer.Ordinal)) + "|" + rootCause + "|" + clientFaults.ToString(CultureInfo.InvariantCulture);

    private static string Describe(ServiceFaultTest test, ServiceId? rootCause, InsightDetectionOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"The fault rate of {test.Service.Name} rose to {test.Rate:P1} ({test.Faults} of {test.Requests} requests) from the {test.BaselineRate:P1} its previous {options.BaselineMinutes} minutes predict (p = {test.PValue:G2}); fault root cause: {rootCause?.Name ?? "unknown"}.");
}
