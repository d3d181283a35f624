using System.Collections.Concurrent;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The services of a range's traces, each given one of 64 bits, so a filter on services tests a trace by its bits first: a trace's
/// <see cref="MaskOf(TraceFacts)"/> against the bits of the services a <c>service()</c> or <c>edge()</c> names. With at most 64
/// services each has a bit of its own and the bits answer (<see cref="Exact"/>); with more, services share bits, and a trace whose
/// bits meet the selector's is then looked at itself — most traces are still told apart without reading their services.
/// </summary>
/// <remarks>Thread-safe: read by every core testing the range.</remarks>
public sealed class TraceFactsServices
{
    private readonly Dictionary<ServiceId, int> _bits = [];
    // By reference: a selector is one node of one parsed expression, asked for once per trace tested (hashing its name each time would cost more than the test).
    private readonly ConcurrentDictionary<ServiceSelector, ulong> _selected = new(ReferenceEqualityComparer.Instance);

    private TraceFactsServices()
    {
    }

    /// <summary>Whether each service has a bit of its own (the range has at most 64), so the bits answer alone.</summary>
    public bool Exact => _bits.Count <= 64;

    /// <summary>The services of <paramref name="traces"/>.</summary>
    public static TraceFactsServices Of(IEnumerable<TraceFacts> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var services = new TraceFactsServices();
        foreach (var facts in traces)
        {
            foreach (var service in facts.Services)
            {
                services._bits.TryAdd(service, services._bits.Count % 64);
            }
        }

        return services;
    }

    /// <summary>The bits of a trace's services.</summary>
    public ulong MaskOf(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var mask = 0UL;
        foreach (var service in facts.Services)
        {
            // A service the range was not built with (never, for the traces it was built from) could be anywhere.
            mask |= _bits.TryGetValue(service, out var bit) ? 1UL << bit : ulong.MaxValue;
        }

        return mask;
    }

    /// <summary>The bits of the services <paramref name="selector"/> names, found once per selector (per parsed expression).</summary>
    internal ulong MaskOf(ServiceSelector selector) => _selected.GetOrAdd(selector, s =>
    {
        var mask = 0UL;
        foreach (var (service, bit) in _bits)
        {
            mask |= s.Matches(service) ? 1UL << bit : 0;
        }

        return mask;
    });
}
