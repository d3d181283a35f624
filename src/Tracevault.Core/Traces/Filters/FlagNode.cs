namespace Tracevault.Core.Traces.Filters;

/// <summary>A Boolean keyword, alone (<c>fault</c>) or compared (<c>fault = false</c>).</summary>
internal sealed class FlagNode(FilterKeyword keyword, bool expected) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => subject.Flag(keyword) == expected;

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => keyword is FilterKeyword.Partial or FilterKeyword.Inferred ? FilterFactsUse.WithLinks : FilterFactsUse.WithoutLinks;

    /// <inheritdoc/>
    public override bool RequestFacts => keyword is FilterKeyword.Ok or FilterKeyword.Error or FilterKeyword.Fault or FilterKeyword.Throttle or FilterKeyword.Partial or FilterKeyword.Inferred or FilterKeyword.Root;

    /// <inheritdoc/>
    public override string ToString() => expected ? FilterKeywords.Spell(keyword) : $"{FilterKeywords.Spell(keyword)} = false";
}
