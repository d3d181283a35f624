using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>A parsed X-Ray filter expression, e.g. <c>service("api") { fault } AND annotation.customer = "c7"</c>.</summary>
/// <remarks>
/// Parse once and evaluate many times; instances are immutable and thread-safe.
/// Outside <c>service()</c> and <c>edge()</c>, status, time and HTTP keywords describe the root segment, as in trace summaries,
/// while <c>user</c>, <c>name</c>, <c>type</c>, annotations and the resource keywords match any segment.
/// A comparison on a missing value is false for every operator, <c>!=</c> included.
/// </remarks>
public sealed class FilterExpression
{
    /// <summary>The longest expression accepted, in characters: 2000, the limit X-Ray's API documented for filter expressions.</summary>
    public const int MaxLength = 2000;

    /// <summary>How deep parentheses, <c>NOT</c>/<c>!</c> and <c>{ }</c> sub-filters may nest, together: 32 levels.</summary>
    public const int MaxNestingDepth = 32;

    private readonly FilterNode _root;

    private FilterExpression(string text, FilterNode root)
    {
        Text = text;
        _root = root;
        FactsUse = root.FactsUse;
    }

    /// <summary>The expression as it was written.</summary>
    public string Text { get; }

    /// <summary>Parses an expression; throws <see cref="FilterExpressionException"/> with the position of the first problem.</summary>
    /// <remarks>An expression longer than <see cref="MaxLength"/> or nested deeper than <see cref="MaxNestingDepth"/> is refused.</remarks>
    public static FilterExpression Parse(string text) => Parse(text, groups: null);

    /// <summary>Parses an expression whose <c>group.name</c>/<c>group.arn</c> terms <paramref name="groups"/> looks up (and substitutes, as they are now); without it, naming a group is refused.</summary>
    /// <remarks>An unknown group is refused like any other problem, with <see cref="FilterExpressionException"/>.</remarks>
    public static FilterExpression Parse(string text, FilterGroupResolver? groups)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new FilterExpressionException(MaxLength, string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"the expression is {text.Length} characters long; at most {MaxLength} are accepted"));
        }

        return new FilterExpression(text, FilterParser.Parse(text, groups));
    }

    /// <summary>Whether the trace satisfies the expression.</summary>
    public bool Matches(AssembledTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return _root.Evaluate(new TraceSubject(trace));
    }

    /// <summary>What of a trace the expression needs: which of its kept facts, or its documents.</summary>
    public FilterFactsUse FactsUse { get; }

    /// <summary>Whether a trace's kept facts satisfy the expression; only for an expression whose <see cref="FactsUse"/> is not <see cref="FilterFactsUse.Documents"/>.</summary>
    public bool Matches(TraceFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        EnsureFactsAnswer(facts);

        return _root.Evaluate(FactsSubject.For(facts, null, 0));
    }

    /// <summary>
    /// As <see cref="Matches(TraceFacts)"/>, for a trace of a range whose <paramref name="services"/> have bits: a test of services
    /// reads the trace's <paramref name="mask"/> (<see cref="TraceFactsServices.MaskOf(TraceFacts)"/>) rather than its services, and
    /// a test of its requests' services their numbers in the number of its <paramref name="list"/> of services
    /// (<see cref="TraceFactsServices.ListOf"/>), when it has one.
    /// </summary>
    public bool Matches(TraceFacts facts, TraceFactsServices services, ulong mask, int list = -1)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(services);
        EnsureFactsAnswer(facts);

        return _root.Evaluate(FactsSubject.For(facts, services, mask, list));
    }

    /// <summary>
    /// As <see cref="Matches(TraceFacts, TraceFactsServices, ulong, int)"/>, for <paramref name="facts"/>, the <paramref name="index"/>th
    /// trace of <paramref name="range"/>: a test of an annotation reads the range's column of its key
    /// (<see cref="TraceFactsRange.AnnotationsOf"/>) rather than the trace's annotations.
    /// </summary>
    public bool Matches(TraceFactsRange range, int index, TraceFacts facts, ulong mask, int list)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(facts);
        EnsureFactsAnswer(facts);

        return _root.Evaluate(FactsSubject.For(facts, range.Services, mask, list, range, index));
    }

    /// <summary>The expression fully parenthesised, in canonical spelling, to show how it was understood.</summary>
    public override string ToString() => _root.ToString();

    /// <summary>Throws unless a trace's kept facts can answer the expression: not one that needs documents, nor requests the facts did not keep.</summary>
    private void EnsureFactsAnswer(TraceFacts facts)
    {
        if (FactsUse == FilterFactsUse.Documents)
        {
            throw new InvalidOperationException("This filter needs the trace's documents.");
        }

        if (FactsUse == FilterFactsUse.WithRequests && !facts.HasRequests)
        {
            throw new InvalidOperationException("This filter needs the requests the trace's facts did not keep.");
        }
    }
}
