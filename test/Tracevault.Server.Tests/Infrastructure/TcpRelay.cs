using System.Net;
using System.Net.Sockets;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server (PostgreSQL), which a test can cut — every connection through it reset and
/// new ones refused, as when the database goes away — and restore on the same port, without touching the server behind it.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly MemoryStream? _captured;
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private TcpRelay(IPEndPoint target, int port, bool capture)
    {
        _target = target;
        Port = port;
        _captured = capture ? new MemoryStream() : null;
    }

    /// <summary>The loopback port the relay listens on.</summary>
    public int Port { get; }

    /// <summary>Starts relaying a free loopback port to <paramref name="target"/>; with <paramref name="capture"/>, keeps every byte sent to it.</summary>
    public static TcpRelay Start(IPEndPoint target, bool capture = false)
    {
        var relay = new TcpRelay(target, ServerProcess.FreePort(), capture);
        relay.Restore();
        return relay;
    }

    /// <summary>Resets every relayed connection and refuses new ones until <see cref="Restore"/>.</summary>
    public async Task CutAsync()
    {
        TcpListener? listener;
        TcpClient[] open;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            open = [.. _open];
            _open.Clear();
        }

        listener?.Stop();
        foreach (var client in open)
        {
            // Linger 0: a reset, as a crashed or stopped server's connections end (one its pipe closed already has no socket).
            try
            {
                client.Client?.LingerState = new LingerOption(true, 0);
            }
            catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
            {
            }

            client.Dispose();
        }

        await _accepting.ConfigureAwait(false);
    }

    /// <summary>Listens again on the same port.</summary>
    public void Restore()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
        }

        _accepting = AcceptAsync(listener);
    }

    /// <summary>Every byte clients sent through the relay so far (empty unless started with capture).</summary>
    public byte[] CapturedRequests()
    {
        lock (_gate)
        {
            return _captured?.ToArray() ?? [];
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CutAsync().ConfigureAwait(false);

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(_target).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (_gate)
            {
                if (_listener != listener)
                {
                    inbound.Dispose();
                    outbound.Dispose();
                    return;
                }

                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = PipeAsync(inbound, outbound, _captured is null ? null : Capture);
            _ = PipeAsync(outbound, inbound, null);
        }
    }

    private void Capture(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _captured!.Write(bytes);
        }
    }

    private static async Task PipeAsync(TcpClient from, TcpClient to, SpanAction? capture)
    {
        try
        {
            if (capture is null)
            {
                await from.GetStream().CopyToAsync(to.GetStream()).ConfigureAwait(false);
            }
            else
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await from.GetStream().ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    capture(buffer.AsSpan(0, read));
                    await to.GetStream().WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }

        from.Dispose();
        to.Dispose();
    }

    private delegate void SpanAction(ReadOnlySpan<byte> bytes);
}
