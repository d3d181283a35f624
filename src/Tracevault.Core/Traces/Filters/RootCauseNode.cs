namespace Tracevault.Core.Traces.Filters;

/// <summary>
/// <c>rootcause.fault.service { filter }</c> and its kin: the trace has a root cause of that kind one of whose services, entities
/// or exceptions satisfies the filter (or, without braces, has any).
/// </summary>
/// <param name="kind">Which root causes: fault, error or response time.</param>
/// <param name="list">Which of their lists the filter is evaluated on.</param>
/// <param name="filter">The sub-filter, or <see langword="null"/> when the braces were omitted.</param>
internal sealed class RootCauseNode(RootCauseKind kind, RootCauseList list, FilterNode? filter) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
        var causes = kind switch
        {
            RootCauseKind.Fault => subject.Trace.FaultRootCauses,
            RootCauseKind.Error => subject.Trace.ErrorRootCauses,
            _ => subject.Trace.ResponseTimeRootCauses,
        };
        foreach (var cause in causes)
        {
            var items = Items(cause, list);
            if (filter is null ? items.Count > 0 : items.Any(item => filter.Evaluate(new RootCauseSubject(subject.Trace, item))))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => FilterFactsUse.Documents;

    /// <inheritdoc/>
    public override string ToString()
    {
        var keyword = Spell(kind, list);
        return filter is null ? keyword : $"{keyword} {{ {filter} }}";
    }

    /// <summary>The keyword's canonical spelling, e.g. <c>rootcause.responsetime.entity</c>.</summary>
    public static string Spell(RootCauseKind kind, RootCauseList list) =>
        $"rootcause.{kind.ToString().ToLowerInvariant()}.{list.ToString().ToLowerInvariant()}";

    private static List<RootCauseItem> Items(RootCause cause, RootCauseList list)
    {
        var items = new List<RootCauseItem>();
        switch (list)
        {
            case RootCauseList.Service:
                foreach (var service in cause.Services)
                {
                    items.Add(new RootCauseItem(items.Count, false, service.Id.Name, service.Id.Type, service.Inferred, false, null, null));
                }

                break;
            case RootCauseList.Entity:
                foreach (var entity in cause.Services.SelectMany(s => s.EntityPath))
                {
                    items.Add(new RootCauseItem(items.Count, false, entity.Name, null, false, entity.Remote == true, entity.Coverage, null));
                }

                break;
            default:
                foreach (var exception in cause.Services.SelectMany(s => s.EntityPath).SelectMany(e => e.Exceptions))
                {
                    items.Add(new RootCauseItem(items.Count, false, exception.Name, null, false, false, null, exception.Message));
                }

                break;
        }

        if (items.Count > 0)
        {
            items[^1] = items[^1] with { Last = true };
        }

        return items;
    }
}
