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
    private long _droppedNotLocal;

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

    /// <summary>UDP datagrams dropped because they came from another machine (unsigned segments are taken from loopback only).</summary>
    public long DroppedNotLocal => Interlocked.Read(ref _droppedNotLocal);

    internal void AddDroppedNotLocal() => Interlocked.Increment(ref _droppedNotLocal);

    internal void AddUdpReceived() => Interlocked.Increment(ref _udpReceived);

    internal void AddHttpReceived(int count) => Interlocked.Add(ref _httpReceived, count);

    internal void AddStored(int count) => Interlocked.Add(ref _stored, count);

    internal void AddRejected(int count) => Interlocked.Add(ref _rejected, count);

    internal void AddDroppedQueueFull(int count) => Interlocked.Add(ref _droppedQueueFull, count);

    internal void AddDroppedStoringStopped(int count) => Interlocked.Add(ref _droppedStoringStopped, count);

    internal void AddDroppedMalformed() => Interlocked.Increment(ref _droppedMalformed);
}
