namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The requests of chosen traces, per service and per call, tallied from their kept <see cref="TraceFacts"/> as
/// <see cref="StatisticsCollector"/> tallies assembled traces: what a service map of only those traces is drawn from.
/// </summary>
/// <remarks>
/// Tallied by a number given to each service the first time it is met, so a request costs an array lookup; a trace's services are
/// numbered once, and not again for the next trace when it holds the very same list (the traces of a minute that reach the same
/// services share one). Not thread-safe: each core keeps its own, and they are <see cref="Merge"/>d.
/// </remarks>
public sealed class TraceFactsMapTally
{
    private readonly Dictionary<ServiceId, int> _numbers = [];
    private readonly List<ServiceId> _services = [];
    private readonly List<StatisticsTally?> _requests = [];
    private readonly List<StatisticsTally?> _unlinked = [];
    private readonly Dictionary<(int Caller, int Callee), StatisticsTally> _calls = [];
    private IReadOnlyList<ServiceId>? _lastServices;
    private int[] _lastNumbers = new int[16];

    /// <summary>The traces tallied.</summary>
    public int Traces { get; private set; }

    /// <summary>Tallies the requests of a trace (of facts that kept them, <see cref="TraceFacts.HasRequests"/>).</summary>
    public void Add(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Traces++;
        var numbers = NumbersOf(facts.Services);
        var requests = facts.Requests;
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (request.ResponseTime is null)
            {
                continue;
            }

            var service = numbers[request.Service];
            (_requests[service] ??= new StatisticsTally()).Add(request);
            if ((request.Flags & (TraceFactsRequestFlags.NoCaller | TraceFactsRequestFlags.HasParent)) == (TraceFactsRequestFlags.NoCaller | TraceFactsRequestFlags.HasParent))
            {
                (_unlinked[service] ??= new StatisticsTally()).Add(request);
            }
        }

        foreach (var call in facts.CallRequests)
        {
            var request = requests[call.Request];
            if (request.ResponseTime is not null)
            {
                Call(numbers[call.Caller], numbers[request.Service]).Add(request);
            }
        }
    }

    /// <summary>Adds another core's tally to this one.</summary>
    public void Merge(TraceFactsMapTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Traces += other.Traces;
        var numbers = other._services.Select(Number).ToArray();
        for (var i = 0; i < numbers.Length; i++)
        {
            MergeInto(_requests, numbers[i], other._requests[i]);
            MergeInto(_unlinked, numbers[i], other._unlinked[i]);
        }

        foreach (var ((caller, callee), tally) in other._calls)
        {
            Call(numbers[caller], numbers[callee]).Merge(tally);
        }
    }

    /// <summary>The tallies as one minute's statistics, per service and edge (and calls from <see cref="StatisticsEntity.UnlinkedCaller"/>), dated <paramref name="minute"/>.</summary>
    public MinuteStatistics ToMinute(long minute)
    {
        var statistics = new MinuteStatistics(minute) { HasTraceFacts = false };
        for (var i = 0; i < _services.Count; i++)
        {
            if (_requests[i] is { } requests)
            {
                statistics.For(new StatisticsEntity(_services[i], null)).Merge(requests);
            }

            if (_unlinked[i] is { } unlinked)
            {
                statistics.For(new StatisticsEntity(StatisticsEntity.UnlinkedCaller, _services[i])).Merge(unlinked);
            }
        }

        foreach (var ((caller, callee), tally) in _calls)
        {
            statistics.For(new StatisticsEntity(_services[caller], _services[callee])).Merge(tally);
        }

        return statistics;
    }

    /// <summary>The numbers of a trace's services, by their index in it.</summary>
    private int[] NumbersOf(IReadOnlyList<ServiceId> services)
    {
        if (ReferenceEquals(services, _lastServices))
        {
            return _lastNumbers;
        }

        if (_lastNumbers.Length < services.Count)
        {
            _lastNumbers = new int[Math.Max(services.Count, _lastNumbers.Length * 2)];
        }

        for (var i = 0; i < services.Count; i++)
        {
            _lastNumbers[i] = Number(services[i]);
        }

        _lastServices = services;
        return _lastNumbers;
    }

    private int Number(ServiceId service)
    {
        if (!_numbers.TryGetValue(service, out var number))
        {
            number = _services.Count;
            _numbers.Add(service, number);
            _services.Add(service);
            _requests.Add(null);
            _unlinked.Add(null);
        }

        return number;
    }

    private StatisticsTally Call(int caller, int callee)
    {
        if (!_calls.TryGetValue((caller, callee), out var tally))
        {
            tally = new StatisticsTally();
            _calls.Add((caller, callee), tally);
        }

        return tally;
    }

    private static void MergeInto(List<StatisticsTally?> tallies, int number, StatisticsTally? other)
    {
        if (other is not null)
        {
            (tallies[number] ??= new StatisticsTally()).Merge(other);
        }
    }
}
