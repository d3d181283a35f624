using System.Text.Json;

namespace Tracevault.Core.Policies;

/// <summary>One test of a statement's Condition element: an operator applied to one condition key and its policy values.</summary>
/// <remarks>
/// Instances are immutable and safe to share across threads. When the key is missing from the request, a positive
/// operator fails, a negated one (StringNotEquals, NotIpAddress, ...) holds, <c>IfExists</c> holds,
/// <c>ForAnyValue:</c> fails and <c>ForAllValues:</c> holds.
/// </remarks>
public sealed class PolicyCondition
{
    private const string ForAnyValuePrefix = "ForAnyValue:";
    private const string ForAllValuesPrefix = "ForAllValues:";
    private const string IfExistsSuffix = "IfExists";
    private const string NullOperator = "Null";

    private readonly ConditionValueMatcher? _matcher;
    private readonly bool _negated;
    private readonly bool _ifExists;
    private readonly ConditionSetOperator _setOperator;
    private readonly bool _nullHoldsWhenAbsent;
    private readonly bool _nullHoldsWhenPresent;

    private PolicyCondition(string @operator, string key, string[] values, ConditionValueMatcher? matcher, bool negated, bool ifExists, ConditionSetOperator setOperator)
    {
        Operator = @operator;
        Key = key;
        Values = Array.AsReadOnly(values);
        _matcher = matcher;
        _negated = negated;
        _ifExists = ifExists;
        _setOperator = setOperator;
        if (matcher is null)
        {
            // Null: "true" asks for the key to be absent, "false" for it to be present.
            foreach (var value in values)
            {
                var wantsAbsent = bool.Parse(value);
                _nullHoldsWhenAbsent |= wantsAbsent;
                _nullHoldsWhenPresent |= !wantsAbsent;
            }
        }
    }

    /// <summary>The operator as written, with any <c>ForAnyValue:</c> or <c>ForAllValues:</c> prefix and <c>IfExists</c> suffix, such as <c>StringEquals</c>.</summary>
    public string Operator { get; }

    /// <summary>The condition key as written, such as <c>kms:ViaService</c>; looked up in the request without regard to case.</summary>
    public string Key { get; }

    /// <summary>The policy values as written (numbers and booleans as their JSON text); a request value matching any of them matches.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Reads a Condition element into one condition per operator and key, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when it is malformed.</summary>
    internal static PolicyCondition[] ParseBlock(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyFormatException($"{where} must be an object such as {{\"StringEquals\": {{\"kms:CallerAccount\": \"111122223333\"}}}}, not {PolicyElementReader.Describe(element.ValueKind)}.");
        }

        var conditions = new List<PolicyCondition>();
        var seenOperators = new HashSet<string>(StringComparer.Ordinal);
        foreach (var block in element.EnumerateObject())
        {
            PolicyElementReader.MarkSeen(seenOperators, block.Name, where);
            var operatorWhere = $"{where} {block.Name}";
            var baseOperator = ReadOperatorName(block.Name, where, out var setOperator, out var ifExists);
            if (block.Value.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyFormatException($"{operatorWhere} must be an object of condition keys and values, not {PolicyElementReader.Describe(block.Value.ValueKind)}.");
            }

            // Condition keys are case-insensitive, so "kms:ViaService" and "kms:viaservice" are the same key.
            var seenKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in block.Value.EnumerateObject())
            {
                PolicyElementReader.MarkSeen(seenKeys, entry.Name, operatorWhere);
                if (entry.Name.Length == 0)
                {
                    throw new PolicyFormatException($"{operatorWhere} has an empty condition key.");
                }

                var keyWhere = $"{operatorWhere} \"{entry.Name}\"";
                var values = PolicyElementReader.ReadConditionValues(entry.Value, keyWhere);
                var matcher = CreateMatcher(baseOperator, values, keyWhere, out var negated);
                conditions.Add(new PolicyCondition(block.Name, entry.Name, values, matcher, negated, ifExists, setOperator));
            }

            if (seenKeys.Count == 0)
            {
                throw new PolicyFormatException($"{operatorWhere} must name at least one condition key.");
            }
        }

        return [.. conditions];
    }

    /// <summary>Whether the condition holds for a request with <paramref name="context"/>.</summary>
    internal bool IsSatisfiedBy(IReadOnlyDictionary<string, IReadOnlyList<string>> context)
    {
        var present = TryGetValues(context, Key, out var values);
        if (_matcher is null)
        {
            return present ? _nullHoldsWhenPresent : _nullHoldsWhenAbsent;
        }

        if (!present)
        {
            return _ifExists || _setOperator == ConditionSetOperator.ForAllValues || (_setOperator == ConditionSetOperator.None && _negated);
        }

        switch (_setOperator)
        {
            case ConditionSetOperator.ForAnyValue:
                for (var i = 0; i < values.Count; i++)
                {
                    if (_matcher.Matches(values[i]) != _negated)
                    {
                        return true;
                    }
                }

                return false;
            case ConditionSetOperator.ForAllValues:
                for (var i = 0; i < values.Count; i++)
                {
                    if (_matcher.Matches(values[i]) == _negated)
                    {
                        return false;
                    }
                }

                return true;
            default:
                // A plain operator holds when any request value matches; its negation when none does.
                for (var i = 0; i < values.Count; i++)
                {
                    if (_matcher.Matches(values[i]))
                    {
                        return !_negated;
                    }
                }

                return _negated;
        }
    }

    private static bool TryGetValues(IReadOnlyDictionary<string, IReadOnlyList<string>> context, string key, out IReadOnlyList<string> values)
    {
        if (context.TryGetValue(key, out var found))
        {
            values = found;
            return found is { Count: > 0 };
        }

        // A dictionary built case-insensitively has answered; any other needs a scan to honour case-insensitive keys.
        if (context is not Dictionary<string, IReadOnlyList<string>> dictionary || !ReferenceEquals(dictionary.Comparer, StringComparer.OrdinalIgnoreCase))
        {
            foreach (var pair in context)
            {
                if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase))
                {
                    values = pair.Value;
                    return pair.Value is { Count: > 0 };
                }
            }
        }

        values = [];
        return false;
    }

    private static string ReadOperatorName(string name, string where, out ConditionSetOperator setOperator, out bool ifExists)
    {
        var baseName = name;
        setOperator = ConditionSetOperator.None;
        if (baseName.StartsWith(ForAnyValuePrefix, StringComparison.Ordinal))
        {
            setOperator = ConditionSetOperator.ForAnyValue;
            baseName = baseName[ForAnyValuePrefix.Length..];
        }
        else if (baseName.StartsWith(ForAllValuesPrefix, StringComparison.Ordinal))
        {
            setOperator = ConditionSetOperator.ForAllValues;
            baseName = baseName[ForAllValuesPrefix.Length..];
        }

        ifExists = baseName.Length > IfExistsSuffix.Length && baseName.EndsWith(IfExistsSuffix, StringComparison.Ordinal);
        if (ifExists)
        {
            baseName = baseName[..^IfExistsSuffix.Length];
        }

        if (!IsKnownOperator(baseName))
        {
            throw new PolicyFormatException($"{where} has the unknown operator \"{name}\"; operators are names such as StringEquals, StringLike, NumericLessThan, DateGreaterThan, Bool, IpAddress, ArnLike or Null, with an optional ForAnyValue:/ForAllValues: prefix and IfExists suffix, and are case-sensitive.");
        }

        if (baseName == NullOperator && (ifExists || setOperator != ConditionSetOperator.None))
        {
            throw new PolicyFormatException($"{where} has the operator \"{name}\"; Null takes neither a ForAnyValue:/ForAllValues: prefix nor an IfExists suffix.");
        }

        return baseName;
    }

    private static bool IsKnownOperator(string name) => name is
        "StringEquals" or "StringNotEquals" or "StringEqualsIgnoreCase" or "StringNotEqualsIgnoreCase" or "StringLike" or "StringNotLike"
        or "NumericEquals" or "NumericNotEquals" or "NumericLessThan" or "NumericLessThanEquals" or "NumericGreaterThan" or "NumericGreaterThanEquals"
        or "DateEquals" or "DateNotEquals" or "DateLessThan" or "DateLessThanEquals" or "DateGreaterThan" or "DateGreaterThanEquals"
        or "Bool" or "BinaryEquals" or "IpAddress" or "NotIpAddress" or "ArnEquals" or "ArnLike" or "ArnNotEquals" or "ArnNotLike" or NullOperator;

    private static ConditionValueMatcher? CreateMatcher(string baseOperator, string[] values, string where, out bool negated)
    {
        // Every negated operator, and no other, has "Not" in its name.
        negated = baseOperator.Contains("Not", StringComparison.Ordinal);
        return baseOperator switch
        {
            "StringEquals" or "StringNotEquals" => new StringEqualsConditionMatcher(values, StringComparison.Ordinal),
            "StringEqualsIgnoreCase" or "StringNotEqualsIgnoreCase" => new StringEqualsConditionMatcher(values, StringComparison.OrdinalIgnoreCase),
            "StringLike" or "StringNotLike" => new StringLikeConditionMatcher(values),
            "NumericEquals" or "NumericNotEquals" => NumericConditionMatcher.Create(values, OrderedComparison.Equal, where),
            "NumericLessThan" => NumericConditionMatcher.Create(values, OrderedComparison.LessThan, where),
            "NumericLessThanEquals" => NumericConditionMatcher.Create(values, OrderedComparison.LessThanEquals, where),
            "NumericGreaterThan" => NumericConditionMatcher.Create(values, OrderedComparison.GreaterThan, where),
            "NumericGreaterThanEquals" => NumericConditionMatcher.Create(values, OrderedComparison.GreaterThanEquals, where),
            "DateEquals" or "DateNotEquals" => DateConditionMatcher.Create(values, OrderedComparison.Equal, where),
            "DateLessThan" => DateConditionMatcher.Create(values, OrderedComparison.LessThan, where),
            "DateLessThanEquals" => DateConditionMatcher.Create(values, OrderedComparison.LessThanEquals, where),
            "DateGreaterThan" => DateConditionMatcher.Create(values, OrderedComparison.GreaterThan, where),
            "DateGreaterThanEquals" => DateConditionMatcher.Create(values, OrderedComparison.GreaterThanEquals, where),
            "Bool" => BoolConditionMatcher.Create(values, where),
            "BinaryEquals" => BinaryConditionMatcher.Create(values, where),
            "IpAddress" or "NotIpAddress" => IpAddressConditionMatcher.Create(values, where),
            "ArnEquals" or "ArnLike" or "ArnNotEquals" or "ArnNotLike" => ArnConditionMatcher.Create(values, where),
            _ => CreateNullCheck(values, where),
        };
    }

    private static ConditionValueMatcher? CreateNullCheck(string[] values, string where)
    {
        foreach (var value in values)
        {
            if (!bool.TryParse(value, out _))
            {
                throw new PolicyFormatException($"{where}: Null takes \"true\" (the key is absent) or \"false\" (the key is present), not \"{value}\".");
            }
        }

        return null;
    }
}
