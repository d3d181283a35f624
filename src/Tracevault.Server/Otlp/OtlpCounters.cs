namespace Tracevault.Server.Otlp;

/// <summary>How many OpenTelemetry spans arrived, were stored, and were rejected and why; and how many exports were refused whole, and why.</summary>
/// <remarks>Thread-safe; counts only ever grow.</remarks>
public sealed class OtlpCounters
{
    private long _received;
    private long _stored;
    private long _rejectedInvalid;
    private long _rejectedTooLarge;
    private long _rejectedStoringStopped;
    private long _rejectedStorageFull;
    private long _rejectedUnavailable;
    private long _requestsMalformed;
    private long _requestsOverLimit;
    private long _requestsUnauthenticated;
    private long _requestsPermissionDenied;
    private long _requestsFailed;

    /// <summary>Spans received in requests that could be decoded.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Spans stored durably.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Spans refused for their own content: ids, times, or a document X-Ray's validation refuses.</summary>
    public long RejectedInvalid => Interlocked.Read(ref _rejectedInvalid);

    /// <summary>Spans not stored because the account's key could not be used.</summary>
    public long RejectedStoringStopped => Interlocked.Read(ref _rejectedStoringStopped);

    /// <summary>Spans not stored because the store could not write; the client was told to retry.</summary>
    public long RejectedUnavailable => Interlocked.Read(ref _rejectedUnavailable);

    /// <summary>Every count at one moment (each read atomically; together, as near one moment as counters that keep moving allow).</summary>
    public OtlpCounts Snapshot() => new(
        Received,
        Stored,
        RejectedInvalid,
        Interlocked.Read(ref _rejectedTooLarge),
        RejectedStoringStopped,
        Interlocked.Read(ref _rejectedStorageFull),
        RejectedUnavailable,
        Interlocked.Read(ref _requestsMalformed),
        Interlocked.Read(ref _requestsOverLimit),
        Interlocked.Read(ref _requestsUnauthenticated),
        Interlocked.Read(ref _requestsPermissionDenied),
        Interlocked.Read(ref _requestsFailed));

    internal void AddReceived(int count) => Interlocked.Add(ref _received, count);

    internal void AddStored(int count) => Interlocked.Add(ref _stored, count);

    internal void AddRejectedInvalid(int count) => Interlocked.Add(ref _rejectedInvalid, count);

    internal void AddRejectedTooLarge(int count) => Interlocked.Add(ref _rejectedTooLarge, count);

    internal void AddRejectedStoringStopped(int count) => Interlocked.Add(ref _rejectedStoringStopped, count);

    internal void AddRejectedStorageFull(int count) => Interlocked.Add(ref _rejectedStorageFull, count);

    internal void AddRejectedUnavailable(int count) => Interlocked.Add(ref _rejectedUnavailable, count);

    /// <summary>Counts an export refused whole, by its reason; one whose spans were already counted is not counted again.</summary>
    internal void AddRefused(OtlpRefusal refusal)
    {
        switch (refusal)
        {
            case OtlpRefusal.Malformed:
                Interlocked.Increment(ref _requestsMalformed);
                break;
            case OtlpRefusal.OverLimit:
                Interlocked.Increment(ref _requestsOverLimit);
                break;
            case OtlpRefusal.Unauthenticated:
                Interlocked.Increment(ref _requestsUnauthenticated);
                break;
            case OtlpRefusal.PermissionDenied:
                Interlocked.Increment(ref _requestsPermissionDenied);
                break;
        }
    }

    internal void AddFailed() => Interlocked.Increment(ref _requestsFailed);
}
