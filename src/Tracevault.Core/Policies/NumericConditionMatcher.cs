using System.Globalization;

namespace Tracevault.Core.Policies;

/// <summary>Decimal comparison, for the Numeric operators.</summary>
internal sealed class NumericConditionMatcher : OrderedConditionMatcher<decimal>
{
    private NumericConditionMatcher(decimal[] values, OrderedComparison comparison)
        : base(values, comparison)
    {
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not a number.</summary>
    public static NumericConditionMatcher Create(IReadOnlyList<string> values, OrderedComparison comparison, string where)
    {
        var numbers = new decimal[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryParse(values[i], out numbers[i]))
            {
                throw new PolicyFormatException($"{where}: \"{values[i]}\" is not a number.");
            }
        }

        return new NumericConditionMatcher(numbers, comparison);
    }

    /// <inheritdoc/>
    protected override bool TryRead(string text, out decimal value) => TryParse(text, out value);

    private static bool TryParse(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
