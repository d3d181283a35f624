namespace Tracevault.Server.Console;

/// <summary>Slows down guessing at the console's sign-in: after a few failures per access key and per client address, each further attempt must wait 1 s, 2 s, 4 s … up to <see cref="ConsoleOptions.SignInMaxDelay"/>.</summary>
/// <remarks>
/// An attempt is counted as a failure when it begins and forgiven when it succeeds (a success starts its key and its address
/// afresh), so attempts made at the same moment cannot slip past the count together. While a key or an address waits, every attempt with it is refused unchecked — the right
/// secret too — but a refusal does not lengthen the wait, and the wait is short, so guessing cannot lock a user out for
/// long. Failures are forgotten <see cref="ForgetAfter"/> after the last one. Kept in memory; thread-safe.
/// </remarks>
public sealed class SignInThrottle
{
    /// <summary>How long after its last failure a key or an address starts afresh.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    // Bounds the memory an attacker can fill with addresses; the least recently failing are forgotten first.
    private const int MaxTracked = 10_000;

    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ConsoleOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the throttle.</summary>
    public SignInThrottle(ConsoleOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Begins an attempt with a known access key (or null when the id names none) from an address: null when it may be checked, else when the next attempt may be made.</summary>
    public DateTimeOffset? TryBegin(string? accessKeyId, string address)
    {
        var now = _time.GetUtcNow();
        var names = Names(accessKeyId, address);
        lock (_gate)
        {
            if (WaitUntil(names, now) is { } retryAt)
            {
                return retryAt;
            }

            foreach (var name in names)
            {
                if (!_failures.TryGetValue(name, out var failures) || now - failures.Last >= ForgetAfter)
                {
                    failures = new Failures();
                    _failures[name] = failures;
                }

                failures.Count++;
                failures.Last = now;
                failures.WaitUntil = failures.Count >= _options.SignInFreeFailures ? now + Delay(failures.Count) : DateTimeOffset.MinValue;
            }

            if (_failures.Count > MaxTracked)
            {
                Forget(now);
            }

            return null;
        }
    }

    /// <summary>When the next attempt with this key (or null) from this address may be made, or null when it may be made now.</summary>
    public DateTimeOffset? RetryAt(string? accessKeyId, string address)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return WaitUntil(Names(accessKeyId, address), now);
        }
    }

    /// <summary>The attempt begun with these succeeded: the key and the address start afresh.</summary>
    /// <remarks>Another key's failures are its own: a user who signs in clears no one else's count.</remarks>
    public void Succeeded(string accessKeyId, string address)
    {
        lock (_gate)
        {
            _failures.Remove(KeyName(accessKeyId));
            _failures.Remove(AddressName(address));
        }
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failure: 1 s at the first one past the free ones, doubling, capped.</summary>
    private TimeSpan Delay(int failures)
    {
        var doublings = Math.Min(failures - _options.SignInFreeFailures, 30);
        var delay = FirstDelay * Math.Pow(2, doublings);
        return delay < _options.SignInMaxDelay ? delay : _options.SignInMaxDelay;
    }

    /// <summary>The latest wait of the names still running at <paramref name="now"/>; called under the lock.</summary>
    private DateTimeOffset? WaitUntil(string[] names, DateTimeOffset now)
    {
        DateTimeOffset? retryAt = null;
        foreach (var name in names)
        {
            if (_failures.TryGetValue(name, out var failures) && failures.WaitUntil > now && (retryAt is null || failures.WaitUntil > retryAt))
            {
                retryAt = failures.WaitUntil;
            }
        }

        return retryAt;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (name, failures) in _failures.Where(f => now - f.Value.Last >= ForgetAfter).ToList())
        {
            _failures.Remove(name);
        }

        foreach (var (name, _) in _failures.OrderBy(f => f.Value.Last).Take(_failures.Count - MaxTracked).ToList())
        {
            _failures.Remove(name);
        }
    }

    private static string[] Names(string? accessKeyId, string address) =>
        accessKeyId is null ? [AddressName(address)] : [KeyName(accessKeyId), AddressName(address)];

    private static string KeyName(string accessKeyId) => "key " + accessKeyId;

    private static string AddressName(string address) => "address " + address;

    private sealed class Failures
    {
        public int Count { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset WaitUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
