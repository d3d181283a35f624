using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>The X-Ray daemon protocol on UDP: one datagram is a JSON header line, a newline and one segment document.</summary>
/// <remarks>Segments are attributed to one configured account (the first), as the daemon attributes them to its own credentials.</remarks>
public sealed class UdpSegmentListener : IAsyncDisposable
{
    /// <summary>The receive buffer asked of the operating system, sized for bursts.</summary>
    public const int ReceiveBufferBytes = 16 * 1024 * 1024;

    private const int MaxDatagramBytes = 65_536 + 1024;

    private readonly Socket _socket;
    private readonly SegmentIntake _intake;
    private readonly ChunkWriter _writer;
    private readonly IngestCounters _counters;
    private readonly string _accountId;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    private UdpSegmentListener(Socket socket, SegmentIntake intake, ChunkWriter writer, IngestCounters counters, string accountId)
    {
        _socket = socket;
        _intake = intake;
        _writer = writer;
        _counters = counters;
        _accountId = accountId;
        _loop = Task.Run(ReceiveAsync);
    }

    /// <summary>Binds <paramref name="endpoint"/> and starts receiving.</summary>
    public static UdpSegmentListener Start(IPEndPoint endpoint, SegmentIntake intake, ChunkWriter writer, IngestCounters counters, string accountId)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = ReceiveBufferBytes;
        }
        catch (SocketException)
        {
            // The system may cap the buffer lower; the default still works.
        }

        socket.Bind(endpoint);
        return new UdpSegmentListener(socket, intake, writer, counters, accountId);
    }

    /// <summary>The buffer size the operating system granted.</summary>
    public int GrantedReceiveBufferBytes => _socket.ReceiveBufferSize;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[MaxDatagramBytes];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            int length;
            try
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
                length = received.ReceivedBytes;
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors and the like surface here on some systems; the next datagram is independent.
                continue;
            }

            _counters.AddUdpReceived();
            Handle(buffer.AsSpan(0, length));
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

        var body = datagram[(newline + 1)..].ToArray();
        var segment = _intake.Accept(body, out _);
        if (segment is null)
        {
            _counters.AddRejected(1);
            return;
        }

        if (!_writer.TryQueue(_accountId, [segment], out var outcome))
        {
            _counters.AddDroppedQueueFull(1);
            return;
        }

        outcome.ContinueWith(static (task, state) =>
        {
            var counters = (IngestCounters)state!;
            if (task.IsCompletedSuccessfully && task.Result.IsStored)
            {
                counters.AddStored(1);
            }
            else
            {
                counters.AddDroppedStoringStopped(1);
            }
        }, _counters, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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
