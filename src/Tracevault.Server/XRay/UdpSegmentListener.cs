using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>The X-Ray daemon protocol on UDP: one datagram is a JSON header line, a newline and one segment document.</summary>
/// <remarks>
/// Segments are attributed to one configured account (the first), as the daemon attributes them to its own credentials. One
/// thread receives, blocking in the socket (no wake-up of the thread pool per datagram), and hands segments to the chunk writer
/// in batches: what arrives within <see cref="MaxBatchDelay"/> of a batch's first segment, up to <see cref="MaxBatchSegments"/>,
/// goes into one write, so a steady stream costs one queued write per batch, not one per datagram. Datagrams the kernel drops
/// because the receive buffer is full never reach the thread: their count is the kernel's own, read into
/// <see cref="IngestCounters.UdpDroppedByKernel"/> and logged every <see cref="KernelDropCheckInterval"/> while it grows.
/// </remarks>
public sealed class UdpSegmentListener : IAsyncDisposable
{
    /// <summary>The receive buffer asked of the operating system unless configured otherwise, sized for bursts.</summary>
    public const int DefaultReceiveBufferBytes = 16 * 1024 * 1024;

    /// <summary>How often the kernel's drop count is checked, and logged when it grew.</summary>
    public static readonly TimeSpan KernelDropCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>The most segments handed to the writer in one write.</summary>
    public const int MaxBatchSegments = 500;

    /// <summary>The longest a received segment waits for others to share its write.</summary>
    public static readonly TimeSpan MaxBatchDelay = TimeSpan.FromMilliseconds(2);

    private const int MaxDatagramBytes = 65_536 + 1024;

    // Received documents are copied one after another into slabs of this size, not into an array each.
    private const int SlabBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly SegmentIntake _intake;
    private readonly ChunkWriter _writer;
    private readonly IngestCounters _counters;
    private readonly string _accountId;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private readonly IPEndPoint _anySource;
    private readonly bool _checkSource;
    private readonly UdpSourcePolicy _sources;
    private List<ChunkSegment> _batch = new(MaxBatchSegments);
    private long _batchStarted;
    private byte[] _slab = new byte[SlabBytes];
    private int _slabUsed;
    private readonly ITimer? _kernelDropCheck;
    private readonly ILogger _logger;
    private long _kernelDropsLogged;

    private UdpSegmentListener(Socket socket, SegmentIntake intake, ChunkWriter writer, IngestCounters counters, string accountId, UdpSourcePolicy sources, TimeProvider time, ILogger logger)
    {
        _sources = sources;
        _socket = socket;
        _intake = intake;
        _writer = writer;
        _counters = counters;
        _accountId = accountId;
        _logger = logger;
        if (KernelUdpDrops.For(socket) is { } kernelDrops)
        {
            counters.ObserveKernelDrops(kernelDrops.Read);
            _kernelDropCheck = time.CreateTimer(_ => CheckKernelDrops(), null, KernelDropCheckInterval, KernelDropCheckInterval);
        }

        var bound = (IPEndPoint)socket.LocalEndPoint!;
        _anySource = new IPEndPoint(bound.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

        // Bound to loopback, only local senders can reach the socket; bound wider, each datagram's source is checked (loopback, or --udp-allow).
        _checkSource = !IPAddress.IsLoopback(bound.Address);
        new Thread(Receive) { IsBackground = true, Name = "Tracevault UDP receive" }.Start();
    }

    /// <summary>Binds <paramref name="endpoint"/> with a receive buffer of <paramref name="receiveBufferBytes"/> (as the system grants) and starts receiving from the senders <paramref name="sources"/> allows.</summary>
    public static UdpSegmentListener Start(IPEndPoint endpoint, int receiveBufferBytes, SegmentIntake intake, ChunkWriter writer, IngestCounters counters, string accountId, UdpSourcePolicy sources, TimeProvider time, ILogger logger)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = receiveBufferBytes;
        }
        catch (SocketException)
        {
            // The system may cap the buffer lower; the default still works.
        }

        socket.Bind(endpoint);
        return new UdpSegmentListener(socket, intake, writer, counters, accountId, sources, time, logger);
    }

    /// <summary>The buffer size the operating system granted.</summary>
    public int GrantedReceiveBufferBytes => _socket.ReceiveBufferSize;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The kernel's count is the socket's: read it a last time while the socket is still listed.
        if (_kernelDropCheck is not null)
        {
            await _kernelDropCheck.DisposeAsync().ConfigureAwait(false);
            _counters.StopObservingKernelDrops();
        }

        // Closing the socket ends the blocking receive; the thread hands over what it holds and stops.
        _stopping = true;
        _socket.Dispose();
        await _stopped.Task.ConfigureAwait(false);
        _sources.Dispose();
    }

    private void Receive()
    {
        var buffer = new byte[MaxDatagramBytes];
        var address = new SocketAddress(_socket.AddressFamily);
        try
        {
            while (!_stopping)
            {
                if (_batch.Count > 0 && !DatagramWithin(MaxBatchDelay - Stopwatch.GetElapsedTime(_batchStarted)))
                {
                    Flush();
                    continue;
                }

                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException) when (!_stopping)
                {
                    // ICMP errors and the like surface here on some systems; the next datagram is independent.
                    continue;
                }
                catch (SocketException)
                {
                    return;
                }

                _counters.AddUdpReceived();
                if (_checkSource && ((IPEndPoint)_anySource.Create(address)).Address is var source && !_sources.Allows(source))
                {
                    // Like the daemon's local SDKs: unsigned segments are taken from this machine, or from networks the operator trusts.
                    _sources.Refused(source);
                    continue;
                }

                try
                {
                    Handle(buffer.AsSpan(0, length));
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // This thread is the only receiver: a datagram nothing foresaw is dropped and counted, not the listener.
                    _counters.AddDroppedMalformed();
                }

                if (_batch.Count >= MaxBatchSegments)
                {
                    Flush();
                }
            }
        }
        finally
        {
            // What was received before the stop is still handed over; the writer drains it as it stops.
            if (_batch.Count > 0)
            {
                Flush();
            }

            _stopped.TrySetResult();
        }
    }

    /// <summary>Logs how many datagrams the kernel dropped since the last check, when it dropped any.</summary>
    private void CheckKernelDrops()
    {
        var total = _counters.UdpDroppedByKernel;
        var previous = Interlocked.Exchange(ref _kernelDropsLogged, total);
        if (total > previous)
        {
            LogMessages.UdpKernelDrops(_logger, total - previous, (int)KernelDropCheckInterval.TotalSeconds, GrantedReceiveBufferBytes, total);
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for a datagram; false when none came (or the socket closed).</summary>
    private bool DatagramWithin(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return false;
        }

        try
        {
            return _socket.Poll(wait, SelectMode.SelectRead);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram)
    {
        var newline = datagram.IndexOf((byte)'\n');
        if (newline < 0 || !IsValidHeader(datagram[..newline]))
        {
            _counters.AddDroppedMalformed();
            return;
        }

        var segment = _intake.Accept(Keep(datagram[(newline + 1)..]), out _);
        if (segment is null)
        {
            _counters.AddRejected(1);
            return;
        }

        if (_batch.Count == 0)
        {
            _batchStarted = Stopwatch.GetTimestamp();
        }

        _batch.Add(segment);
    }

    /// <summary>Copies a document out of the receive buffer into the current slab (a new one when it is full).</summary>
    private ReadOnlyMemory<byte> Keep(ReadOnlySpan<byte> document)
    {
        if (document.Length > SlabBytes / 4)
        {
            return document.ToArray();
        }

        if (_slabUsed + document.Length > _slab.Length)
        {
            _slab = new byte[SlabBytes];
            _slabUsed = 0;
        }

        var kept = _slab.AsMemory(_slabUsed, document.Length);
        document.CopyTo(kept.Span);
        _slabUsed += document.Length;
        return kept;
    }

    private void Flush()
    {
        var batch = _batch;
        _batch = new List<ChunkSegment>(MaxBatchSegments);
        if (!_writer.TryQueue(_accountId, batch, out var outcome))
        {
            _counters.AddDroppedQueueFull(batch.Count);
            return;
        }

        outcome.ContinueWith(static (task, state) =>
        {
            var (counters, count) = ((IngestCounters, int))state!;
            if (task.IsCompletedSuccessfully && task.Result.IsStored)
            {
                counters.AddStored(count);
            }
            else
            {
                counters.AddDroppedStoringStopped(count);
            }
        }, (_counters, batch.Count), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The daemon's rule: a JSON object whose <c>format</c> is <c>json</c> (any case) and whose <c>version</c> is 1.</summary>
    private static bool IsValidHeader(ReadOnlySpan<byte> header)
    {
        try
        {
            var reader = new Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var formatOk = false;
            var versionOk = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("format"u8))
                {
                    reader.Read();
                    formatOk = reader.TokenType == JsonTokenType.String && string.Equals(reader.GetString(), "json", StringComparison.OrdinalIgnoreCase);
                }
                else if (reader.ValueTextEquals("version"u8))
                {
                    reader.Read();
                    versionOk = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version) && version == 1;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return formatOk && versionOk && reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
