using System.Net;

namespace Tracevault.Server.XRay;

/// <summary>Which senders may hand the UDP port unsigned segments: loopback always, other addresses only inside an allowed network.</summary>
/// <remarks>
/// The X-Ray daemon's trust model made explicit: a datagram carries no signature, so whoever can reach the port writes into the
/// configured account. Each refusal is counted in <see cref="IngestCounters.DroppedSourceNotAllowed"/> and logged at a bounded
/// rate: the first refusal after a quiet <see cref="LogInterval"/> at once, the rest in one line per interval with their count.
/// Thread-safe.
/// </remarks>
public sealed class UdpSourcePolicy : IDisposable
{
    /// <summary>The shortest time between two log lines about refused datagrams.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly IngestCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _flush;
    private long _refusedUnlogged;
    private IPAddress? _latest;
    private DateTimeOffset _nextLine = DateTimeOffset.MinValue;

    /// <summary>Creates the policy for the networks in <paramref name="allowed"/> (loopback is always allowed).</summary>
    public UdpSourcePolicy(IReadOnlyList<IPNetwork> allowed, IngestCounters counters, TimeProvider time, ILogger logger)
    {
        _allowed = allowed;
        _counters = counters;
        _time = time;
        _logger = logger;
        _flush = time.CreateTimer(_ => Flush(), null, LogInterval, LogInterval);
    }

    /// <summary>Whether <paramref name="address"/> is loopback or inside an allowed network.</summary>
    public bool Allows(IPAddress address) => Allows(address, _allowed);

    /// <summary>Whether <paramref name="address"/> is loopback or inside one of <paramref name="allowed"/>: the senders the daemon's unsigned traffic (UDP segments, the SDKs' sampling calls) is taken from.</summary>
    public static bool Allows(IPAddress address, IReadOnlyList<IPNetwork> allowed)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(allowed);
        var source = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IPAddress.IsLoopback(source))
        {
            return true;
        }

        foreach (var network in allowed)
        {
            if (network.Contains(source))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts a refused datagram from <paramref name="source"/>, and logs it now unless a line was written within <see cref="LogInterval"/>.</summary>
    public void Refused(IPAddress source)
    {
        _counters.AddDroppedSourceNotAllowed();
        lock (_gate)
        {
            _refusedUnlogged++;
            _latest = source;
            if (_time.GetUtcNow() >= _nextLine)
            {
                WriteLine();
            }
        }
    }

    /// <summary>Stops the timer and logs the refusals not yet told, whatever the interval: the log must not lose them at stop.</summary>
    public void Dispose()
    {
        _flush.Dispose();
        lock (_gate)
        {
            if (_refusedUnlogged > 0)
            {
                WriteLine();
            }
        }
    }

    /// <summary>Logs the refusals not yet told, once the interval since the last line has passed.</summary>
    private void Flush()
    {
        lock (_gate)
        {
            if (_refusedUnlogged > 0 && _time.GetUtcNow() >= _nextLine)
            {
                WriteLine();
            }
        }
    }

    private void WriteLine()
    {
        LogMessages.UdpSourceRefused(_logger, _refusedUnlogged, _latest?.ToString() ?? "", _counters.DroppedSourceNotAllowed);
        _refusedUnlogged = 0;
        _nextLine = _time.GetUtcNow() + LogInterval;
    }
}
