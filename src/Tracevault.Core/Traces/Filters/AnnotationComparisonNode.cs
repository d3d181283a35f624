using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary><c>annotation.key</c> compared with a literal; true when any value of the key, of the literal's type, matches.</summary>
/// <remarks><c>!=</c> holds when the key is present and no value equals the literal.</remarks>
internal sealed class AnnotationComparisonNode(string key, FilterOperator op, AnnotationValue value) : FilterNode
{
    // The column of the key in the range last tested, and for each of its distinct values whether it matches (as Matches would,
    // Equal for NotEqual): a range's traces are tested by the million, each distinct value once.
    private Indexed? _indexed;

    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
        if (subject.FactsRange is { } range && subject.FactsIndex >= 0)
        {
            return Evaluate(range, subject.FactsIndex);
        }

        var present = false;
        var annotations = subject.TraceAnnotations;
        for (var i = 0; i < annotations.Length; i++)
        {
            var (annotationKey, actual) = annotations[i];
            if (!string.Equals(annotationKey, key, StringComparison.Ordinal))
            {
                continue;
            }

            present = true;
            if (op == FilterOperator.NotEqual)
            {
                if (Matches(actual, FilterOperator.Equal))
                {
                    return false;
                }
            }
            else if (Matches(actual, op))
            {
                return true;
            }
        }

        return op == FilterOperator.NotEqual && present;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var literal = value.StringValue is { } text ? Quote(text)
            : value.NumberValue is { } number ? FormatNumber(number)
            : value.BooleanValue == true ? "true" : "false";
        var reference = key.All(c => char.IsLetterOrDigit(c) || c == '_') ? $"annotation.{key}" : $"annotation[{Quote(key)}]";
        return $"{reference} {FilterOperators.Spell(op)} {literal}";
    }

    /// <summary>As <see cref="Evaluate(FilterSubject)"/>, for the <paramref name="index"/>th trace of <paramref name="range"/>, by the range's column of the key.</summary>
    private bool Evaluate(TraceFactsRange range, int index)
    {
        var indexed = _indexed;
        if (indexed is null || !ReferenceEquals(indexed.Range, range))
        {
            var column = range.AnnotationsOf(key);
            var comparison = op == FilterOperator.NotEqual ? FilterOperator.Equal : op;
            indexed = new Indexed(range, column, [.. column.Values.Select(v => Matches(v, comparison))]);
            _indexed = indexed;
        }

        var numbers = indexed.Column.Of(index);
        foreach (var number in numbers)
        {
            if (indexed.Matches[number])
            {
                return op != FilterOperator.NotEqual;
            }
        }

        return op == FilterOperator.NotEqual && numbers.Length > 0;
    }

    private bool Matches(AnnotationValue actual, FilterOperator comparison)
    {
        if (value.StringValue is { } expectedText)
        {
            return actual.StringValue is { } text && FilterOperators.Compare(text, comparison, expectedText);
        }

        if (value.NumberValue is { } expectedNumber)
        {
            return actual.NumberValue is { } number && FilterOperators.Compare(number, comparison, expectedNumber);
        }

        return actual.BooleanValue is { } flag && flag == value.BooleanValue;
    }

    /// <summary>A range's column of the key, and whether each of its values matches.</summary>
    private sealed record Indexed(TraceFactsRange Range, TraceFactsAnnotationColumn Column, bool[] Matches);
}
