namespace Tracevault.Core.Traces;

/// <summary>Limits applied by <see cref="SegmentDocument.Parse(ReadOnlySpan{byte}, DateTimeOffset, SegmentValidationOptions)"/> to a document's size and times.</summary>
public sealed class SegmentValidationOptions
{
    /// <summary>The options used when none are given: 30 days of age and 1 day of skew.</summary>
    public static SegmentValidationOptions Default { get; } = new();

    /// <summary>How far in the past a trace id's time may lie; default 30 days (X-Ray's retention); <see langword="null"/> accepts any age.</summary>
    public TimeSpan? MaxTraceIdAge
    {
        get;
        init => field = value < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(value), "The age limit cannot be negative.") : value;
    } = TimeSpan.FromDays(30);

    /// <summary>How far in the future a trace id's time may lie; default 1 day, to tolerate clock skew; <see langword="null"/> accepts any time.</summary>
    public TimeSpan? MaxTraceIdSkew
    {
        get;
        init => field = value < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(value), "The skew limit cannot be negative.") : value;
    } = TimeSpan.FromDays(1);

    /// <summary>
    /// How far in the future <c>start_time</c> and <c>end_time</c> may lie; default 2 hours (the limit X-Ray's OTLP endpoint documents for
    /// spans), so one segment cannot date its chunk past retention.
    /// </summary>
    public TimeSpan MaxTimeSkew
    {
        get;
        init => field = value < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(value), "The skew limit cannot be negative.") : value;
    } = TimeSpan.FromHours(2);

    /// <summary>The largest accepted document, in UTF-8 bytes; default <see cref="SegmentDocument.MaxDocumentBytes"/> (64 KB), more for spans, which X-Ray takes up to 200 KB.</summary>
    public int MaxDocumentBytes
    {
        get;
        init => field = value <= 0 ? throw new ArgumentOutOfRangeException(nameof(value), "The size limit must be positive.") : value;
    } = SegmentDocument.MaxDocumentBytes;
}
