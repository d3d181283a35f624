using System.Runtime.CompilerServices;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The requests of chosen traces, per service and per call, tallied from their kept <see cref="TraceFacts"/> as
/// <see cref="StatisticsCollector"/> tallies assembled traces: what a service map of only those traces is drawn from.
/// </summary>
/// <remarks>
/// Tallied by the numbers of a range's services (<see cref="TraceFactsServices"/>), so a request costs an array lookup and a trace
/// of the range none of its services' names hashed; a service the range does not hold (a trace read whole may reach one) is
/// numbered after them. Not thread-safe: each core keeps its own, and they are <see cref="Merge"/>d.
/// </remarks>
public sealed class TraceFactsMapTally
{
    /// <summary>The most services of a range whose calls are tallied in a square array (indexed by caller and callee) rather than by hashing each call's pair.</summary>
    private const int SquareLimit = 256;

    private readonly TraceFactsServices? _range;
    private readonly int _width;
    private readonly StatisticsTally?[] _square;
    private readonly Numbering<ServiceId> _services;
    private readonly List<StatisticsTally?> _requests = [];
    private readonly List<StatisticsTally?> _unlinked = [];
    private readonly Dictionary<(int Caller, int Callee), StatisticsTally> _calls = [];
    private int[] _numbers = new int[16];

    /// <summary>A tally of the traces of <paramref name="range"/> (or of any traces, without one).</summary>
    public TraceFactsMapTally(TraceFactsServices? range = null)
    {
        _range = range;
        _services = new Numbering<ServiceId>(range?.All);
        _requests.AddRange(new StatisticsTally?[_services.Count]);
        _unlinked.AddRange(new StatisticsTally?[_services.Count]);

        _width = _services.Count <= SquareLimit ? _services.Count : 0;
        _square = new StatisticsTally?[_width * _width];
    }

    /// <summary>The traces tallied.</summary>
    public int Traces { get; private set; }

    /// <summary>
    /// Tallies the requests of a trace (of facts that kept them, <see cref="TraceFacts.HasRequests"/>); <paramref name="list"/> is the
    /// number of its list of services in the range (<see cref="TraceFactsServices.ListOf"/>), or -1 for a trace the range was not made of.
    /// </summary>
    // Optimized at once: the first map of a range runs it for every trace it picks, before a quicker-compiled first version
    // would be replaced.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(TraceFacts facts, int list = -1)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Traces++;
        var numbers = list >= 0 && _range is not null ? _range.NumbersOfList(list) : NumbersOf(facts.Services);
        var requests = facts.RequestsSpan;
        for (var i = 0; i < requests.Length; i++)
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

        var calls = facts.CallRequestsSpan;
        for (var i = 0; i < calls.Length; i++)
        {
            var request = requests[calls[i].Request];
            if (request.ResponseTime is not null)
            {
                Call(numbers[calls[i].Caller], numbers[request.Service]).Add(request);
            }
        }
    }

    /// <summary>Adds another core's tally (of the same range) to this one.</summary>
    public void Merge(TraceFactsMapTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Traces += other.Traces;
        var numbers = other._services.Values.Select(Number).ToArray();
        for (var i = 0; i < numbers.Length; i++)
        {
            MergeInto(_requests, numbers[i], other._requests[i]);
            MergeInto(_unlinked, numbers[i], other._unlinked[i]);
        }

        foreach (var (caller, callee, tally) in other.CallTallies())
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
                statistics.For(new StatisticsEntity(_services.Values[i], null)).Merge(requests);
            }

            if (_unlinked[i] is { } unlinked)
            {
                statistics.For(new StatisticsEntity(StatisticsEntity.UnlinkedCaller, _services.Values[i])).Merge(unlinked);
            }
        }

        foreach (var (caller, callee, tally) in CallTallies())
        {
            statistics.For(new StatisticsEntity(_services.Values[caller], _services.Values[callee])).Merge(tally);
        }

        return statistics;
    }

    /// <summary>The numbers of a list of services (of a trace the range was not made of), by their index in it.</summary>
    private int[] NumbersOf(IReadOnlyList<ServiceId> services)
    {
        if (_numbers.Length < services.Count)
        {
            _numbers = new int[services.Count];
        }

        for (var i = 0; i < services.Count; i++)
        {
            _numbers[i] = Number(services[i]);
        }

        return _numbers;
    }

    /// <summary>A service's number: the range's, or one after them for a service the range does not hold.</summary>
    private int Number(ServiceId service)
    {
        var number = _services.NumberOf(service);
        if (number == _requests.Count)
        {
            _requests.Add(null);
            _unlinked.Add(null);
        }

        return number;
    }

    private StatisticsTally Call(int caller, int callee)
    {
        if (caller < _width && callee < _width)
        {
            return _square[(caller * _width) + callee] ??= new StatisticsTally();
        }

        if (!_calls.TryGetValue((caller, callee), out var tally))
        {
            tally = new StatisticsTally();
            _calls.Add((caller, callee), tally);
        }

        return tally;
    }

    /// <summary>The tallied calls, by the numbers of their caller and callee.</summary>
    private IEnumerable<(int Caller, int Callee, StatisticsTally Tally)> CallTallies()
    {
        for (var i = 0; i < _square.Length; i++)
        {
            if (_square[i] is { } tally)
            {
                yield return (i / _width, i % _width, tally);
            }
        }

        foreach (var ((caller, callee), tally) in _calls)
        {
            yield return (caller, callee, tally);
        }
    }

    private static void MergeInto(List<StatisticsTally?> tallies, int number, StatisticsTally? other)
    {
        if (other is not null)
        {
            (tallies[number] ??= new StatisticsTally()).Merge(other);
        }
    }
}
