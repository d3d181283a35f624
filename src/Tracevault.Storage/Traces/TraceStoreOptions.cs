namespace Tracevault.Storage.Traces;

/// <summary>How trace data is grouped, kept and removed; validated once at start-up.</summary>
public sealed class TraceStoreOptions
{
    /// <summary>How long trace data is kept. Default 30 days, as X-Ray.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The most segments one chunk holds. Default 4,000.</summary>
    public int MaxSegmentsPerChunk { get; set; } = 4000;

    /// <summary>The most segment writes waiting for the writer; beyond it, or beyond as many waiting segments, UDP segments are dropped, and beyond it HTTP callers wait. Default 20,000.</summary>
    public int MaxPendingWrites { get; set; } = 20_000;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (Retention < TimeSpan.FromHours(1))
        {
            throw new ArgumentException("Retention must be at least one hour.");
        }

        if (MaxSegmentsPerChunk is < 1 or > 100_000 || MaxPendingWrites < 1)
        {
            throw new ArgumentException("Chunk and queue sizes must be positive (at most 100,000 segments per chunk).");
        }
    }
}
