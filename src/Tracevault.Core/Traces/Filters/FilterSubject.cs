namespace Tracevault.Core.Traces.Filters;

/// <summary>What a filter is evaluated against: a whole trace, or one entity of a service or edge.</summary>
internal abstract class FilterSubject
{
    protected FilterSubject(AssembledTrace trace) => Trace = trace;

    /// <summary>The trace being filtered.</summary>
    public AssembledTrace Trace { get; }

    /// <summary>The value of a Boolean keyword.</summary>
    public abstract bool Flag(FilterKeyword keyword);

    /// <summary>The value of a number keyword, or <see langword="null"/> when the subject has none.</summary>
    public abstract double? Number(FilterKeyword keyword);

    /// <summary>Whether any value of a string keyword satisfies <paramref name="predicate"/>.</summary>
    public abstract bool AnyString(FilterKeyword keyword, Func<string, bool> predicate);
}
