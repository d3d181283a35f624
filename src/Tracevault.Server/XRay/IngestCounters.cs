using System.Collections.Concurrent;

namespace Tracevault.Server.XRay;

/// <summary>How many segments arrived, were stored, and were dropped and why; read by the console and the load harness.</summary>
/// <remarks>Thread-safe; counts only ever grow.</remarks>
public sealed class IngestCounters
{
    private long _udpReceived;
    private long _httpReceived;
    private long _stored;
    private long _rejected;
    private long _droppedQueueFull;
    private long _droppedStoringStopped;
    private long _droppedMalformed;
    private long _droppedSourceNotAllowed;
    private readonly ConcurrentDictionary<string, long> _unprocessed = new(StringComparer.Ordinal);
    private long _udpDroppedByKernel;
    private volatile Func<long?>? _readKernelDrops;

    /// <summary>Datagrams received on the UDP port.</summary>
    public long UdpReceived => Interlocked.Read(ref _udpReceived);

    /// <summary>Segment documents received over HTTP.</summary>
    public long HttpReceived => Interlocked.Read(ref _httpReceived);

    /// <summary>Segments stored durably.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Segments refused by validation.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>UDP segments dropped because the writer's queue was full.</summary>
    public long DroppedQueueFull => Interlocked.Read(ref _droppedQueueFull);

    /// <summary>Segments not stored because the account's key could not be used.</summary>
    public long DroppedStoringStopped => Interlocked.Read(ref _droppedStoringStopped);

    /// <summary>UDP datagrams dropped because their header or framing was malformed.</summary>
    public long DroppedMalformed => Interlocked.Read(ref _droppedMalformed);

    /// <summary>UDP datagrams refused because their source is neither loopback nor in an allowed network (<c>--udp-allow</c>).</summary>
    public long DroppedSourceNotAllowed => Interlocked.Read(ref _droppedSourceNotAllowed);

    /// <summary>Segments answered in <c>UnprocessedTraceSegments</c> by <c>PutTraceSegments</c>, by their <c>ErrorCode</c>.</summary>
    public IReadOnlyDictionary<string, long> UnprocessedByErrorCode => new Dictionary<string, long>(_unprocessed, StringComparer.Ordinal);

    /// <summary>UDP datagrams the kernel dropped before the server could read them, because the socket's receive buffer was full.</summary>
    /// <remarks>The kernel's own count for the server's socket (Linux: the <c>drops</c> column of <c>/proc/net/udp</c>), read afresh while the socket is open; 0 where the system does not tell.</remarks>
    public long UdpDroppedByKernel
    {
        get
        {
            if (_readKernelDrops?.Invoke() is { } current)
            {
                // Only ever grows: a read racing the socket's close keeps the larger count.
                var known = Interlocked.Read(ref _udpDroppedByKernel);
                while (current > known && Interlocked.CompareExchange(ref _udpDroppedByKernel, current, known) != known)
                {
                    known = Interlocked.Read(ref _udpDroppedByKernel);
                }
            }

            return Interlocked.Read(ref _udpDroppedByKernel);
        }
    }

    /// <summary>Reads <see cref="UdpDroppedByKernel"/> from <paramref name="read"/> while the socket is open.</summary>
    internal void ObserveKernelDrops(Func<long?> read) => _readKernelDrops = read;

    /// <summary>Takes the kernel's count a last time (call it before the socket closes) and keeps it from then on.</summary>
    internal void StopObservingKernelDrops()
    {
        _ = UdpDroppedByKernel;
        _readKernelDrops = null;
    }

    internal void AddDroppedSourceNotAllowed() => Interlocked.Increment(ref _droppedSourceNotAllowed);

    // Error codes are the server's own few (SegmentErrorCode and the storing ones), so the map stays small.
    internal void AddUnprocessed(string errorCode) => _unprocessed.AddOrUpdate(errorCode, 1, static (_, count) => count + 1);

    internal void AddUdpReceived() => Interlocked.Increment(ref _udpReceived);

    internal void AddHttpReceived(int count) => Interlocked.Add(ref _httpReceived, count);

    internal void AddStored(int count) => Interlocked.Add(ref _stored, count);

    internal void AddRejected(int count) => Interlocked.Add(ref _rejected, count);

    internal void AddDroppedQueueFull(int count) => Interlocked.Add(ref _droppedQueueFull, count);

    internal void AddDroppedStoringStopped(int count) => Interlocked.Add(ref _droppedStoringStopped, count);

    internal void AddDroppedMalformed() => Interlocked.Increment(ref _droppedMalformed);
}
