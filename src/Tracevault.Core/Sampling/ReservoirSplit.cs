namespace Tracevault.Core.Sampling;

/// <summary>
/// X-Ray's reservoir split: a rule's reservoir is so many traced requests per second for the whole fleet, shared among the
/// clients that report statistics for the rule in proportion to their demand (the requests that matched it in their latest report).
/// </summary>
/// <remarks>
/// Each client gets a whole number of requests per second. The shares are apportioned by largest remainder (Hamilton's method):
/// each client first gets the floor of its exact share, and what is left goes one by one to the largest fractions, ties going to
/// the greater demand and then to the lower client id, so every node that splits the same reports gives the same quotas and the
/// quotas always add up to the reservoir. When no reporting client had any demand, the reservoir is split evenly. Pure.
/// </remarks>
public static class ReservoirSplit
{
    /// <summary>Splits <paramref name="reservoirSize"/> requests per second among <paramref name="clients"/> by their demand.</summary>
    /// <param name="reservoirSize">The rule's reservoir for the whole fleet, requests per second (not negative).</param>
    /// <param name="clients">Each reporting client's id and demand; a client named twice counts with its last demand.</param>
    /// <returns>Each client's quota, requests per second; the quotas add up to <paramref name="reservoirSize"/> when any client reported.</returns>
    public static IReadOnlyDictionary<string, int> Split(int reservoirSize, IEnumerable<(string ClientId, long Demand)> clients)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reservoirSize);
        ArgumentNullException.ThrowIfNull(clients);
        var demands = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (clientId, demand) in clients)
        {
            demands[clientId] = Math.Max(0, demand);
        }

        var quotas = new Dictionary<string, int>(StringComparer.Ordinal);
        if (demands.Count == 0)
        {
            return quotas;
        }

        Int128 total = 0;
        foreach (var demand in demands.Values)
        {
            total += demand;
        }

        var even = total == 0;
        var weightTotal = even ? (Int128)demands.Count : total;
        var remainders = new List<(string ClientId, Int128 Remainder, long Demand)>(demands.Count);
        var given = 0;
        foreach (var (clientId, demand) in demands)
        {
            var exact = (Int128)reservoirSize * (even ? 1 : demand);
            var quota = (int)(exact / weightTotal);
            quotas[clientId] = quota;
            given += quota;
            remainders.Add((clientId, exact % weightTotal, demand));
        }

        var left = reservoirSize - given;
        foreach (var (clientId, _, _) in remainders
            .OrderByDescending(r => r.Remainder)
            .ThenByDescending(r => r.Demand)
            .ThenBy(r => r.ClientId, StringComparer.Ordinal)
            .Take(left))
        {
            quotas[clientId]++;
        }

        return quotas;
    }
}
