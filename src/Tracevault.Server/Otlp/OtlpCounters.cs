namespace Tracevault.Server.Otlp;

/// <summary>How many OpenTelemetry spans arrived, were stored, and were rejected and why.</summary>
/// <remarks>Thread-safe; counts only ever grow.</remarks>
public sealed class OtlpCounters
{
    private long _received;
    private long _stored;
    private long _rejectedInvalid;
    private long _rejectedStoringStopped;
    private long _rejectedUnavailable;

    /// <summary>Spans received in requests that could be decoded.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Spans stored durably.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Spans refused for their own content: ids, times, size, or a document X-Ray's validation refuses.</summary>
    public long RejectedInvalid => Interlocked.Read(ref _rejectedInvalid);

    /// <summary>Spans not stored because the account's key could not be used.</summary>
    public long RejectedStoringStopped => Interlocked.Read(ref _rejectedStoringStopped);

    /// <summary>Spans not stored because the store could not write; the client was told to retry.</summary>
    public long RejectedUnavailable => Interlocked.Read(ref _rejectedUnavailable);

    internal void AddReceived(int count) => Interlocked.Add(ref _received, count);

    internal void AddStored(int count) => Interlocked.Add(ref _stored, count);

    internal void AddRejectedInvalid(int count) => Interlocked.Add(ref _rejectedInvalid, count);

    internal void AddRejectedStoringStopped(int count) => Interlocked.Add(ref _rejectedStoringStopped, count);

    internal void AddRejectedUnavailable(int count) => Interlocked.Add(ref _rejectedUnavailable, count);
}
