using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>What a filter is evaluated against: a whole trace, or one entity of a service or edge.</summary>
internal abstract class FilterSubject
{
    private readonly AssembledTrace? _trace;

    /// <summary>A subject of <paramref name="trace"/>, or (for <see cref="FactsSubject"/>) of no assembled trace.</summary>
    protected FilterSubject(AssembledTrace? trace) => _trace = trace;

    /// <summary>The trace being filtered.</summary>
    /// <remarks>A subject made from kept facts has none; the nodes it is given to (<see cref="FilterNode.FactsUse"/>) never ask for it.</remarks>
    public AssembledTrace Trace => _trace ?? throw new InvalidOperationException("This filter needs the trace's documents, not its facts.");

    /// <summary>The value of a Boolean keyword.</summary>
    public abstract bool Flag(FilterKeyword keyword);

    /// <summary>The value of a number keyword, or <see langword="null"/> when the subject has none.</summary>
    public abstract double? Number(FilterKeyword keyword);

    /// <summary>Whether any value of a string keyword satisfies <paramref name="predicate"/>.</summary>
    public abstract bool AnyString(FilterKeyword keyword, Func<string, bool> predicate);

    /// <summary>The range of kept facts the trace is tested as part of, when it is (its annotations are then in the range's columns).</summary>
    public virtual TraceFactsRange? FactsRange => null;

    /// <summary>The trace's index in <see cref="FactsRange"/>, or -1.</summary>
    public virtual int FactsIndex => -1;

    /// <summary>Every annotation of every entity of the trace.</summary>
    public virtual ReadOnlySpan<KeyValuePair<string, AnnotationValue>> TraceAnnotations => Trace.Entities.SelectMany(e => e.Annotations).ToArray();

    /// <summary>Whether the trace has a service <paramref name="selector"/> matches (any service without one).</summary>
    public virtual bool HasService(ServiceSelector? selector) => selector is null ? Trace.Services.Count > 0 : Trace.Services.Any(s => selector.Matches(s.Id));

    /// <summary>Whether an entity of a service <paramref name="selector"/> matches (of any service without one) satisfies <paramref name="filter"/>.</summary>
    public virtual bool AnyRequest(ServiceSelector? selector, FilterNode filter)
    {
        foreach (var service in Trace.Services)
        {
            if (selector is not null && !selector.Matches(service.Id))
            {
                continue;
            }

            foreach (var entity in service.Entities)
            {
                if (filter.Evaluate(new EntitySubject(Trace, service, entity)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether a call from a service <paramref name="source"/> matches to one <paramref name="destination"/> matches satisfies <paramref name="filter"/> (evaluated on the callee's entity for the call).</summary>
    public virtual bool AnyCall(ServiceSelector source, ServiceSelector destination, FilterNode filter)
    {
        foreach (var call in Trace.Calls)
        {
            if (source.Matches(call.Caller.Id) && destination.Matches(call.Callee.Id) && filter.Evaluate(new EntitySubject(Trace, call.Callee, call.Entity)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the trace has a call from a service <paramref name="source"/> matches to one <paramref name="destination"/> matches.</summary>
    public virtual bool HasCall(ServiceSelector source, ServiceSelector destination) => Trace.Calls.Any(c => source.Matches(c.Caller.Id) && destination.Matches(c.Callee.Id));
}
