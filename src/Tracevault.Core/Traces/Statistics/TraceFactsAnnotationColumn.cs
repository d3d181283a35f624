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
    /// <summary>The fewest traces a core is given to read when a column is found.</summary>
    private const int MinimumShare = 65_536;

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
        int Previous(int trace) => previous is not null && previousTraces is not null ? previousTraces[trace] : -1;

        // Each share of the traces is read on a core of its own (reading them is waiting on memory), numbering the values it
        // meets; the shares' numbers are then made one, after the previous column's (whose numbers its traces keep).
        var count = traces.Count;
        var shareCount = Math.Clamp(count / MinimumShare, 1, Environment.ProcessorCount);
        var counts = new int[count];
        var shares = new Share[shareCount];
        Parallel.For(0, shareCount, s =>
        {
            var share = shares[s] = new Share((int)((long)count * s / shareCount), (int)((long)count * (s + 1) / shareCount));
            for (var t = share.From; t < share.To; t++)
            {
                if (Previous(t) is >= 0 and var kept)
                {
                    counts[t] = previous!.Of(kept).Length;
                    continue;
                }

                foreach (var (annotationKey, value) in traces[t].AnnotationsSpan)
                {
                    if (string.Equals(annotationKey, key, StringComparison.Ordinal))
                    {
                        share.Numbers.Add(share.Values.NumberOf(value));
                        counts[t]++;
                    }
                }
            }
        });

        var values = new Numbering<AnnotationValue>(previous?.Values);
        foreach (var share in shares)
        {
            share.Global = [.. share.Values.Values.Select(values.NumberOf)];
        }

        var starts = new int[count + 1];
        for (var t = 0; t < count; t++)
        {
            starts[t + 1] = starts[t] + counts[t];
        }

        if (starts[count] == 0)
        {
            return new TraceFactsAnnotationColumn([.. values.Values], [], []);
        }

        var numbers = new int[starts[count]];
        Parallel.ForEach(shares, share =>
        {
            var next = 0;
            for (var t = share.From; t < share.To; t++)
            {
                if (Previous(t) is >= 0 and var kept)
                {
                    previous!.Of(kept).CopyTo(numbers.AsSpan(starts[t]));
                    continue;
                }

                for (var i = starts[t]; i < starts[t + 1]; i++)
                {
                    numbers[i] = share.Global[share.Numbers[next++]];
                }
            }
        });

        return new TraceFactsAnnotationColumn([.. values.Values], starts, numbers);
    }

    /// <summary>One core's share of the traces: the values it met, numbered as met, and the numbers of its traces' values in order.</summary>
    private sealed class Share(int from, int to)
    {
        public int From => from;

        public int To => to;

        public Numbering<AnnotationValue> Values { get; } = new();

        public List<int> Numbers { get; } = [];

        /// <summary>The share's numbers made the column's.</summary>
        public int[] Global { get; set; } = [];
    }
}
