using System.Collections.Concurrent;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The services of a range's traces, each numbered and given one of 64 bits, so a filter on services tests a trace by its bits first:
/// a trace's <see cref="MaskOf(TraceFacts)"/> against the bits of the services a <c>service()</c> or <c>edge()</c> names. With at most
/// 64 services each has a bit of its own and the bits answer (<see cref="Exact"/>); with more, services share bits, and a trace whose
/// bits meet the selector's is then looked at itself — most traces are still told apart without reading their services.
/// </summary>
/// <remarks>
/// The traces' lists of services are numbered too (<see cref="ListOf"/>): many traces reach the same services, each with a list of
/// its own (one per batch, or per trace once merged), and a list's numbers and bits are found once for all of them, not per trace.
/// Thread-safe once made: read by every core testing the range.
/// </remarks>
public sealed class TraceFactsServices
{
    private readonly Dictionary<ServiceId, int> _numbers = [];
    private readonly List<ServiceId> _services = [];
    private readonly List<int[]> _lists = [];
    private readonly List<ulong> _listMasks = [];
    private readonly Dictionary<string, int> _listsByContent = new(StringComparer.Ordinal);
    private int[] _listOf = [];
    // By reference: a selector is one node of one parsed expression, asked for once per trace tested (hashing its name each time
    // would cost more than the test). Every request parses its own, so they are forgotten past SelectorsKept (a range is kept
    // for as long as its rows do not change).
    private readonly ConcurrentDictionary<ServiceSelector, ulong> _selected = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<ServiceSelector, bool[]> _selectedNumbers = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many selectors' bits and numbers a range keeps before it forgets them all.</summary>
    private const int SelectorsKept = 1_000;

    private TraceFactsServices()
    {
    }

    /// <summary>Whether each service has a bit of its own (the range has at most 64), so the bits answer alone.</summary>
    public bool Exact => _services.Count <= 64;

    /// <summary>The services, by number.</summary>
    public IReadOnlyList<ServiceId> All => _services;

    /// <summary>The services of <paramref name="traces"/>, and the number of each trace's list of them (<see cref="ListOf"/>).</summary>
    public static TraceFactsServices Of(IReadOnlyList<TraceFacts> traces) => Of(traces, null, null);

    /// <summary>
    /// As <see cref="Of(IReadOnlyList{TraceFacts})"/>, numbering on from <paramref name="previous"/>: a trace whose entry in
    /// <paramref name="previousLists"/> is not negative keeps that list of <paramref name="previous"/> without its services being
    /// looked at (a range made again from one before, most of whose traces it keeps).
    /// </summary>
    internal static TraceFactsServices Of(IReadOnlyList<TraceFacts> traces, TraceFactsServices? previous, IReadOnlyList<int>? previousLists)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var services = new TraceFactsServices { _listOf = new int[traces.Count] };
        if (previous is not null)
        {
            foreach (var (service, number) in previous._numbers)
            {
                services._numbers.Add(service, number);
            }

            foreach (var (content, number) in previous._listsByContent)
            {
                services._listsByContent.Add(content, number);
            }

            services._services.AddRange(previous._services);
            services._lists.AddRange(previous._lists);
            services._listMasks.AddRange(previous._listMasks);
        }

        var byReference = new Dictionary<IReadOnlyList<ServiceId>, int>(ReferenceEqualityComparer.Instance);
        var byContent = services._listsByContent;
        var key = new System.Text.StringBuilder();
        for (var t = 0; t < traces.Count; t++)
        {
            if (previous is not null && previousLists is not null && previousLists[t] >= 0)
            {
                services._listOf[t] = previousLists[t];
                continue;
            }

            var list = traces[t].Services;
            if (!byReference.TryGetValue(list, out var number))
            {
                var numbers = new int[list.Count];
                key.Clear();
                for (var i = 0; i < numbers.Length; i++)
                {
                    numbers[i] = services.NumberOf(list[i]);
                    key.Append(numbers[i]).Append(',');
                }

                if (!byContent.TryGetValue(key.ToString(), out number))
                {
                    number = services._lists.Count;
                    services._lists.Add(numbers);
                    services._listMasks.Add(numbers.Aggregate(0UL, (mask, n) => mask | (1UL << (n % 64))));
                    byContent.Add(key.ToString(), number);
                }

                byReference.Add(list, number);
            }

            services._listOf[t] = number;
        }

        return services;
    }

    /// <summary>The number of the list of services of the <paramref name="trace"/>th trace the range was made of.</summary>
    public int ListOf(int trace) => _listOf[trace];

    /// <summary>The services' numbers of a list, by their index in it.</summary>
    internal int[] NumbersOfList(int list) => _lists[list];

    /// <summary>The bits of a list's services.</summary>
    public ulong MaskOfList(int list) => _listMasks[list];

    /// <summary>A service's number, or -1 when none of the range's traces reaches it.</summary>
    public int Find(ServiceId service) => _numbers.GetValueOrDefault(service, -1);

    /// <summary>The bits of a trace's services.</summary>
    public ulong MaskOf(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var mask = 0UL;
        foreach (var service in facts.Services)
        {
            // A service the range was not built with (never, for the traces it was built from) could be anywhere.
            mask |= _numbers.TryGetValue(service, out var number) ? 1UL << (number % 64) : ulong.MaxValue;
        }

        return mask;
    }

    /// <summary>For each service's number, whether <paramref name="selector"/> names that service; found once per selector (per parsed expression).</summary>
    internal bool[] Selected(ServiceSelector selector) => Find(_selectedNumbers, selector, s => [.. _services.Select(s.Matches)]);

    /// <summary>The bits of the services <paramref name="selector"/> names, found once per selector (per parsed expression).</summary>
    internal ulong MaskOf(ServiceSelector selector) => Find(_selected, selector, s =>
    {
        var mask = 0UL;
        foreach (var (service, number) in _numbers)
        {
            mask |= s.Matches(service) ? 1UL << (number % 64) : 0;
        }

        return mask;
    });

    /// <summary>What <paramref name="kept"/> holds for <paramref name="selector"/>, else made and kept (all forgotten first when full).</summary>
    private static T Find<T>(ConcurrentDictionary<ServiceSelector, T> kept, ServiceSelector selector, Func<ServiceSelector, T> make)
    {
        if (kept.TryGetValue(selector, out var found))
        {
            return found;
        }

        // Counting a concurrent dictionary takes all its locks: only on a miss, once per selector.
        if (kept.Count >= SelectorsKept)
        {
            kept.Clear();
        }

        return kept.GetOrAdd(selector, make);
    }

    private int NumberOf(ServiceId service)
    {
        if (!_numbers.TryGetValue(service, out var number))
        {
            number = _services.Count;
            _numbers.Add(service, number);
            _services.Add(service);
        }

        return number;
    }
}
