namespace Tracevault.Core.Traces.Filters;

/// <summary><c>annotation.key</c> compared with a literal; true when any value of the key, of the literal's type, matches.</summary>
/// <remarks><c>!=</c> holds when the key is present and no value equals the literal.</remarks>
internal sealed class AnnotationComparisonNode(string key, FilterOperator op, AnnotationValue value) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
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
}
