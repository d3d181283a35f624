namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The requests of chosen traces, per service and per call, tallied from their kept <see cref="TraceFacts"/> as
/// <see cref="StatisticsCollector"/> tallies assembled traces: what a service map of only those traces is drawn from.
/// </summary>
/// <remarks>
/// Tallied per list of services, by index: the traces of a minute that reach the same services share one list, so a request costs an
/// array lookup rather than a hash of its service's name. Not thread-safe: each core keeps its own, and they are <see cref="Merge"/>d.
/// </remarks>
public sealed class TraceFactsMapTally
{
    private readonly Dictionary<IReadOnlyList<ServiceId>, ServicesTally> _byServices = new(ReferenceEqualityComparer.Instance);

    /// <summary>The traces tallied.</summary>
    public int Traces { get; private set; }

    /// <summary>Tallies the requests of a trace (of facts that kept them, <see cref="TraceFacts.HasRequests"/>).</summary>
    public void Add(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Traces++;
        if (!_byServices.TryGetValue(facts.Services, out var tally))
        {
            tally = new ServicesTally(facts.Services);
            _byServices.Add(facts.Services, tally);
        }

        var requests = facts.Requests;
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            tally.Of(request.Service).Add(request);
            if ((request.Flags & (TraceFactsRequestFlags.NoCaller | TraceFactsRequestFlags.HasParent)) == (TraceFactsRequestFlags.NoCaller | TraceFactsRequestFlags.HasParent))
            {
                tally.UnlinkedOf(request.Service).Add(request);
            }
        }

        foreach (var call in facts.CallRequests)
        {
            var request = requests[call.Request];
            tally.Of(call.Caller, request.Service).Add(request);
        }
    }

    /// <summary>Adds another core's tally to this one.</summary>
    public void Merge(TraceFactsMapTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Traces += other.Traces;
        foreach (var (services, tally) in other._byServices)
        {
            if (_byServices.TryGetValue(services, out var own))
            {
                own.Merge(tally);
            }
            else
            {
                _byServices.Add(services, tally);
            }
        }
    }

    /// <summary>The tallies as one minute's statistics, per service and edge (and calls from <see cref="StatisticsEntity.UnlinkedCaller"/>), dated <paramref name="minute"/>.</summary>
    public MinuteStatistics ToMinute(long minute)
    {
        var statistics = new MinuteStatistics(minute) { HasTraceFacts = false };
        foreach (var tally in _byServices.Values)
        {
            tally.AddTo(statistics);
        }

        return statistics;
    }

    /// <summary>The tallies of the traces that share one list of services, by index in it.</summary>
    private sealed class ServicesTally(IReadOnlyList<ServiceId> services)
    {
        private readonly StatisticsTally?[] _services = new StatisticsTally?[services.Count];
        private readonly StatisticsTally?[] _unlinked = new StatisticsTally?[services.Count];
        private readonly Dictionary<(int Caller, int Callee), StatisticsTally> _calls = [];

        public StatisticsTally Of(int service) => _services[service] ??= new StatisticsTally();

        public StatisticsTally UnlinkedOf(int service) => _unlinked[service] ??= new StatisticsTally();

        public StatisticsTally Of(int caller, int callee)
        {
            if (!_calls.TryGetValue((caller, callee), out var tally))
            {
                tally = new StatisticsTally();
                _calls.Add((caller, callee), tally);
            }

            return tally;
        }

        public void Merge(ServicesTally other)
        {
            for (var i = 0; i < _services.Length; i++)
            {
                MergeInto(ref _services[i], other._services[i]);
                MergeInto(ref _unlinked[i], other._unlinked[i]);
            }

            foreach (var (call, tally) in other._calls)
            {
                Of(call.Caller, call.Callee).Merge(tally);
            }
        }

        public void AddTo(MinuteStatistics statistics)
        {
            for (var i = 0; i < _services.Length; i++)
            {
                AddTo(statistics, new StatisticsEntity(services[i], null), _services[i]);
                AddTo(statistics, new StatisticsEntity(StatisticsEntity.UnlinkedCaller, services[i]), _unlinked[i]);
            }

            foreach (var (call, tally) in _calls)
            {
                AddTo(statistics, new StatisticsEntity(services[call.Caller], services[call.Callee]), tally);
            }
        }

        private static void MergeInto(ref StatisticsTally? own, StatisticsTally? other)
        {
            if (other is not null)
            {
                (own ??= new StatisticsTally()).Merge(other);
            }
        }

        private static void AddTo(MinuteStatistics statistics, StatisticsEntity entity, StatisticsTally? tally)
        {
            if (tally is { Total: > 0 })
            {
                statistics.For(entity).Merge(tally);
            }
        }
    }
}
