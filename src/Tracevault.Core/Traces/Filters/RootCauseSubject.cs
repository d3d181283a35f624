namespace Tracevault.Core.Traces.Filters;

/// <summary>One service, entity or exception of a root cause as a <c>rootcause.…{…}</c> sub-filter sees it.</summary>
internal sealed class RootCauseSubject(AssembledTrace trace, RootCauseItem item) : FilterSubject(trace)
{
    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.First => item.Index == 0,
        FilterKeyword.Last => item.Last,
        FilterKeyword.Inferred => item.Inferred,
        FilterKeyword.Remote => item.Remote,
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Index => item.Index,
        FilterKeyword.Coverage => item.Coverage,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var value = keyword switch
        {
            FilterKeyword.Name => item.Name,
            FilterKeyword.Type => item.Type,
            FilterKeyword.Message => item.Message,
            _ => null,
        };
        return value is not null && predicate(value);
    }
}
