using System.Collections.Concurrent;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The services of a range's traces, each given one bit (when there are at most 64), so a filter on services tests a trace by its
/// bits alone: a trace's <see cref="MaskOf(TraceFacts)"/> against the bits of the services a <c>service()</c> or <c>edge()</c> names.
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

    /// <summary>Whether the range has few enough services (64) for bits; otherwise every test looks at the trace's services.</summary>
    public bool HasBits { get; private set; }

    /// <summary>The services of <paramref name="traces"/>.</summary>
    public static TraceFactsServices Of(IEnumerable<TraceFacts> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var services = new TraceFactsServices { HasBits = true };
        foreach (var facts in traces)
        {
            foreach (var service in facts.Services)
            {
                if (services._bits.Count == 64 && !services._bits.ContainsKey(service))
                {
                    services.HasBits = false;
                    services._bits.Clear();
                    return services;
                }

                services._bits.TryAdd(service, services._bits.Count);
            }
        }

        return services;
    }

    /// <summary>The bits of a trace's services (every bit when the range has no bits).</summary>
    public ulong MaskOf(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (!HasBits)
        {
            return ulong.MaxValue;
        }

        var mask = 0UL;
        foreach (var service in facts.Services)
        {
            mask |= 1UL << _bits[service];
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
