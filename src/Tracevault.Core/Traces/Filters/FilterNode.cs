using System.Globalization;
using System.Text;

namespace Tracevault.Core.Traces.Filters;

/// <summary>A node of a parsed filter expression; <see cref="ToString"/> renders it fully parenthesised.</summary>
internal abstract class FilterNode
{
    /// <summary>Whether the subject satisfies this node.</summary>
    public abstract bool Evaluate(FilterSubject subject);

    /// <summary>What of a trace this node needs: its kept facts (and which), or its documents.</summary>
    public virtual FilterFactsUse FactsUse => FilterFactsUse.WithoutLinks;

    /// <summary>Whether, as the sub-filter of <c>service(){…}</c> or <c>edge(){…}</c>, a request's kept facts answer it (<see cref="Statistics.TraceFactsRequest"/>).</summary>
    public virtual bool RequestFacts => false;

    /// <summary>The most any of <paramref name="nodes"/> needs.</summary>
    protected static FilterFactsUse MostOf(IEnumerable<FilterNode> nodes) => nodes.Select(n => n.FactsUse).DefaultIfEmpty(FilterFactsUse.WithoutLinks).Max();

    /// <inheritdoc/>
    public abstract override string ToString();

    /// <summary>A string literal as it would be written in an expression.</summary>
    protected static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\t' => quoted.Append("\\t"),
                '\r' => quoted.Append("\\r"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>A number literal as it would be written in an expression.</summary>
    protected static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
