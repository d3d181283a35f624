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
    /// <summary>How many selectors' bits and numbers a range keeps before it forgets them all.</summary>
    private const int SelectorsKept = 1_000;

    private readonly Numbering<ServiceId> _services;
    private readonly List<int[]> _lists = [];
    private readonly List<ulong> _listMasks = [];
    private readonly Dictionary<string, int> _listsByContent = new(StringComparer.Ordinal);
    private readonly int[] _listOf;
    // By reference: a selector is one node of one parsed expression, asked for once per trace tested (hashing its name each time
    // would cost more than the test). Every request parses its own, so they are forgotten past SelectorsKept (a range is kept
    // for as long as its rows do not change).
    private readonly ConcurrentDictionary<ServiceSelector, Selection> _selected = new(ReferenceEqualityComparer.Instance);

    /// <summary>Services numbered on from <paramref name="previous"/>'s (or from none), for <paramref name="traces"/> traces.</summary>
    private TraceFactsServices(TraceFactsServices? previous, int traces)
    {
        _services = new Numbering<ServiceId>(previous?._services.Values);
        _listOf = new int[traces];
        if (previous is not null)
        {
            foreach (var (content, number) in previous._listsByContent)
            {
                _listsByContent.Add(content, number);
            }

            _lists.AddRange(previous._lists);
            _listMasks.AddRange(previous._listMasks);
        }
    }

    /// <summary>Whether each service has a bit of its own (the range has at most 64), so the bits answer alone.</summary>
    public bool Exact => _services.Count <= 64;

    /// <summary>The services, by number.</summary>
    public IReadOnlyList<ServiceId> All => _services.Values;

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
        var services = new TraceFactsServices(previous, traces.Count);
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
                    numbers[i] = services._services.NumberOf(list[i]);
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
    public int Find(ServiceId service) => _services.Find(service);

    /// <summary>The bits of a trace's services.</summary>
    public ulong MaskOf(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var mask = 0UL;
        foreach (var service in facts.Services)
        {
            // A service the range was not built with (never, for the traces it was built from) could be anywhere.
            mask |= _services.Find(service) is >= 0 and var number ? 1UL << (number % 64) : ulong.MaxValue;
        }

        return mask;
    }

    /// <summary>For each service's number, whether <paramref name="selector"/> names that service; found once per selector (per parsed expression).</summary>
    internal bool[] Selected(ServiceSelector selector) => SelectionOf(selector).Numbers;

    /// <summary>The bits of the services <paramref name="selector"/> names, found once per selector (per parsed expression).</summary>
    internal ulong MaskOf(ServiceSelector selector) => SelectionOf(selector).Mask;

    /// <summary>What <paramref name="selector"/> names among the range's services, found once per selector (all forgotten first when full).</summary>
    private Selection SelectionOf(ServiceSelector selector)
    {
        if (_selected.TryGetValue(selector, out var found))
        {
            return found;
        }

        // Counting a concurrent dictionary takes all its locks: only on a miss, once per selector.
        if (_selected.Count >= SelectorsKept)
        {
            _selected.Clear();
        }

        return _selected.GetOrAdd(selector, s =>
        {
            bool[] numbers = [.. _services.Values.Select(s.Matches)];
            return new Selection(numbers, Enumerable.Range(0, numbers.Length).Where(n => numbers[n]).Aggregate(0UL, (mask, n) => mask | (1UL << (n % 64))));
        });
    }

    /// <summary>The services a selector names: by number, and as bits.</summary>
    private sealed record Selection(bool[] Numbers, ulong Mask);
}
