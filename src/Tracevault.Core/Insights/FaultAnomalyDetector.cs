using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>
/// Tests each service's fault count in a window against the rate its baseline predicts (<see cref="FaultRateTest"/>): a service
/// is anomalous when it has at least <see cref="InsightDetectionOptions.MinFaults"/> faults, a rate above the baseline's, and a
/// p-value below the significance level divided by the number of services tested (Bonferroni), so one insight test of a group
/// errs no more often than the level however many services it has. A service with fewer than
/// <see cref="InsightDetectionOptions.MinBaselineRequests"/> baseline requests is not tested: its history predicts nothing yet.
/// </summary>
public static class FaultAnomalyDetector
{
    /// <summary>Each service's requests and faults over several minutes.</summary>
    public static IReadOnlyList<ServiceFaults> Sum(IEnumerable<InsightMinute> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        return minutes.SelectMany(m => m.Services)
            .GroupBy(s => s.Service)
            .Select(g => new ServiceFaults(g.Key, g.Sum(s => s.Requests), g.Sum(s => s.Faults)))
            .ToList();
    }

    /// <summary>The services of <paramref name="window"/> whose faults are significant at <paramref name="significance"/> against <paramref name="baseline"/>, most significant first.</summary>
    public static IReadOnlyList<ServiceFaultTest> Anomalous(IReadOnlyList<ServiceFaults> window, IReadOnlyList<ServiceFaults> baseline, double significance, InsightDetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(options);
        var history = baseline.ToDictionary(s => s.Service, s => s);
        var tests = new List<ServiceFaultTest>();
        foreach (var service in window)
        {
            if (!history.TryGetValue(service.Service, out var past) || past.Requests < options.MinBaselineRequests)
            {
                continue;
            }

            var rate = FaultRateTest.BaselineRate(past.Requests, past.Faults);
            tests.Add(new ServiceFaultTest(service.Service, service.Requests, service.Faults, rate, FaultRateTest.UpperTail(service.Requests, service.Faults, rate)));
        }

        var level = significance / Math.Max(1, tests.Count);
        return tests
            .Where(t => t.Faults >= options.MinFaults && t.Rate > t.BaselineRate && t.PValue < level)
            .OrderBy(t => t.PValue).ThenBy(t => t.Service.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The requests of one service over several minutes, by outcome.</summary>
    public static RequestImpact ImpactOf(ServiceId? service, IEnumerable<InsightMinute> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        if (service is null)
        {
            return RequestImpact.None;
        }

        var counts = minutes.SelectMany(m => m.Services).Where(s => s.Service.Equals(service)).ToList();
        var requests = counts.Sum(s => s.Requests);
        var faults = counts.Sum(s => s.Faults);
        return new RequestImpact(faults, requests - faults, requests);
    }
}
