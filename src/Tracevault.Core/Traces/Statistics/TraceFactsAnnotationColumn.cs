namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The values one annotation key takes in each trace of a range (<see cref="TraceFactsRange.AnnotationsOf"/>): its distinct values,
/// and for each trace the numbers of its own, in arrays read front to back.
/// </summary>
/// <remarks>
/// A filter on an annotation then tests each distinct value once and each trace by its numbers, without bringing the trace's facts
/// in from memory (at 10 M segments, that was most of such a filter's time). Immutable.
/// </remarks>
public sealed class TraceFactsAnnotationColumn
{
    // Empty when no trace has the key (a key mistyped in a filter costs nothing to keep).
    private readonly int[] _starts;
    private readonly int[] _numbers;

    private TraceFactsAnnotationColumn(AnnotationValue[] values, int[] starts, int[] numbers)
    {
        Values = values;
        _starts = starts;
        _numbers = numbers;
    }

    /// <summary>The key's distinct values, numbered by their index.</summary>
    public IReadOnlyList<AnnotationValue> Values { get; }

    /// <summary>The numbers of the values the <paramref name="trace"/>th trace has for the key (none when it lacks it).</summary>
    public ReadOnlySpan<int> Of(int trace) => _numbers.Length == 0 ? [] : _numbers.AsSpan(_starts[trace], _starts[trace + 1] - _starts[trace]);

    /// <summary>The values of <paramref name="key"/> in each of <paramref name="traces"/>.</summary>
    public static TraceFactsAnnotationColumn Of(IReadOnlyList<TraceFacts> traces, string key) => Of(traces, key, null, null);

    /// <summary>
    /// As <see cref="Of(IReadOnlyList{TraceFacts}, string)"/>, taking a trace whose entry in <paramref name="previousTraces"/> is not
    /// negative from that trace of <paramref name="previous"/> (a range made again from one before keeps most of its traces).
    /// </summary>
    internal static TraceFactsAnnotationColumn Of(IReadOnlyList<TraceFacts> traces, string key, TraceFactsAnnotationColumn? previous, IReadOnlyList<int>? previousTraces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        ArgumentNullException.ThrowIfNull(key);
        var values = new List<AnnotationValue>(previous?.Values ?? []);
        var numberOf = new Dictionary<AnnotationValue, int>();
        for (var i = 0; i < values.Count; i++)
        {
            numberOf.TryAdd(values[i], i);
        }

        var starts = new int[traces.Count + 1];
        var numbers = new List<int>();
        for (var t = 0; t < traces.Count; t++)
        {
            starts[t] = numbers.Count;
            if (previous is not null && previousTraces is not null && previousTraces[t] >= 0)
            {
                foreach (var number in previous.Of(previousTraces[t]))
                {
                    numbers.Add(number);
                }

                continue;
            }

            foreach (var (annotationKey, value) in traces[t].AnnotationsSpan)
            {
                if (string.Equals(annotationKey, key, StringComparison.Ordinal))
                {
                    if (!numberOf.TryGetValue(value, out var number))
                    {
                        number = values.Count;
                        numberOf.Add(value, number);
                        values.Add(value);
                    }

                    numbers.Add(number);
                }
            }
        }

        starts[traces.Count] = numbers.Count;
        return numbers.Count == 0 ? new TraceFactsAnnotationColumn([.. values], [], []) : new TraceFactsAnnotationColumn([.. values], starts, [.. numbers]);
    }
}
