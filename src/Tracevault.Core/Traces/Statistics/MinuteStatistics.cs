using System.Text;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>The tallies of one minute's requests, per service and per edge, as kept at ingest.</summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class MinuteStatistics
{
    /// <summary>The format of <see cref="ToBytes"/>: 3 adds the requests to the trace facts; 2 (facts without them) and 1 (no facts) are still read.</summary>
    private const byte FormatVersion = 3;

    private const byte FormatWithoutRequests = 2;

    private const byte FormatWithoutFacts = 1;

    /// <summary>Creates an empty minute.</summary>
    /// <param name="minute">The minute's first second, epoch seconds (a multiple of 60).</param>
    public MinuteStatistics(long minute)
    {
        Minute = minute;
    }

    /// <summary>The minute's first second, epoch seconds.</summary>
    public long Minute { get; }

    /// <summary>The tallies, per service and per edge.</summary>
    public Dictionary<StatisticsEntity, StatisticsTally> Entities { get; } = [];

    /// <summary>The facts of the traces dated in this minute (<see cref="TraceDates"/>), one per trace and ingest batch.</summary>
    public List<TraceFacts> Traces { get; } = [];

    /// <summary>Whether the minute keeps its traces' facts (false for statistics stored before they were kept).</summary>
    public bool HasTraceFacts { get; init; } = true;

    /// <summary>The tally of an entity, made on first use.</summary>
    public StatisticsTally For(StatisticsEntity entity)
    {
        if (!Entities.TryGetValue(entity, out var tally))
        {
            tally = new StatisticsTally();
            Entities.Add(entity, tally);
        }

        return tally;
    }

    /// <summary>The minute's tallies as bytes (the plaintext that is sealed).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write7BitEncodedInt(Entities.Count);
            foreach (var (entity, tally) in Entities)
            {
                writer.Write(entity.IsEdge);
                Write(writer, entity.Service);
                if (entity.Callee is { } callee)
                {
                    Write(writer, callee);
                }

                writer.Write7BitEncodedInt64(tally.Ok);
                writer.Write7BitEncodedInt64(tally.OtherErrors);
                writer.Write7BitEncodedInt64(tally.Throttles);
                writer.Write7BitEncodedInt64(tally.Faults);
                writer.Write(tally.TotalResponseTime);
                var buckets = tally.Histogram;
                writer.Write7BitEncodedInt(buckets.Count(c => c > 0));
                for (var i = 0; i < buckets.Count; i++)
                {
                    if (buckets[i] > 0)
                    {
                        writer.Write((byte)i);
                        writer.Write7BitEncodedInt64(buckets[i]);
                    }
                }
            }

            TraceFactsCodec.Write(writer, Traces);
        }

        return stream.ToArray();
    }

    /// <summary>Reads a minute's tallies back from <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on bytes it did not write.</summary>
    public static MinuteStatistics FromBytes(long minute, ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var version = reader.ReadByte();
            if (version is not (FormatVersion or FormatWithoutRequests or FormatWithoutFacts))
            {
                throw new InvalidDataException("Unknown statistics format.");
            }

            var statistics = new MinuteStatistics(minute) { HasTraceFacts = version != FormatWithoutFacts };
            var count = reader.ReadInt32Checked();
            Span<long> histogram = stackalloc long[ResponseTimeBuckets.Count];
            for (var i = 0; i < count; i++)
            {
                var isEdge = reader.ReadBoolean();
                var service = ReadService(reader);
                var callee = isEdge ? ReadService(reader) : null;
                var ok = reader.Read7BitEncodedInt64();
                var otherErrors = reader.Read7BitEncodedInt64();
                var throttles = reader.Read7BitEncodedInt64();
                var faults = reader.Read7BitEncodedInt64();
                var totalResponseTime = reader.ReadDouble();
                histogram.Clear();
                var buckets = reader.ReadInt32Checked();
                for (var b = 0; b < buckets; b++)
                {
                    var index = reader.ReadByte();
                    if (index >= histogram.Length)
                    {
                        throw new InvalidDataException("Histogram bucket out of range.");
                    }

                    histogram[index] = reader.Read7BitEncodedInt64();
                }

                var tally = new StatisticsTally();
                tally.Restore(ok, otherErrors, throttles, faults, totalResponseTime, histogram);
                statistics.Entities[new StatisticsEntity(service, callee)] = tally;
            }

            if (version != FormatWithoutFacts)
            {
                statistics.Traces.AddRange(TraceFactsCodec.Read(reader, withRequests: version == FormatVersion));
            }

            return statistics;
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("Truncated statistics.", exception);
        }
        catch (FormatException exception)
        {
            throw new InvalidDataException("Malformed statistics.", exception);
        }
    }

    private static void Write(BinaryWriter writer, ServiceId service)
    {
        writer.Write(service.Name);
        WriteOptional(writer, service.Type);
        WriteOptional(writer, service.AccountId);
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static ServiceId ReadService(BinaryReader reader) => new(reader.ReadString(), ReadOptional(reader), ReadOptional(reader));

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
