namespace Tracevault.Core.Traces.Statistics;

/// <summary>Values numbered 0, 1, 2, … in the order first met, so what is tallied by value can be kept in arrays indexed by number.</summary>
/// <remarks>Not thread-safe while numbering; read-only use afterwards is.</remarks>
public sealed class Numbering<T>
    where T : notnull
{
    private readonly Dictionary<T, int> _numbers;
    private readonly List<T> _values;

    /// <summary>Numbers <paramref name="first"/> (if any), in order, before any other value; a repeated one keeps its first number.</summary>
    public Numbering(IEnumerable<T>? first = null)
    {
        _numbers = [];
        _values = [];
        foreach (var value in first ?? [])
        {
            NumberOf(value);
        }
    }

    /// <summary>The values, by number.</summary>
    public IReadOnlyList<T> Values => _values;

    /// <summary>How many values are numbered.</summary>
    public int Count => _values.Count;

    /// <summary>The number of <paramref name="value"/>, given it now if it has none.</summary>
    public int NumberOf(T value)
    {
        if (!_numbers.TryGetValue(value, out var number))
        {
            number = _values.Count;
            _numbers.Add(value, number);
            _values.Add(value);
        }

        return number;
    }

    /// <summary>The number of <paramref name="value"/>, or -1 when it has none.</summary>
    public int Find(T value) => _numbers.GetValueOrDefault(value, -1);
}
