using System.Security.Cryptography;
using System.Text;
using Tracevault.Keys.Identity;

namespace Tracevault.Server.Console;

/// <summary>Slows down guessing at the console's sign-in: after a few failures per access key and per client address, each further attempt must wait 1 s, 2 s, 4 s … up to <see cref="ConsoleOptions.SignInMaxDelay"/>.</summary>
/// <remarks>
/// An attempt is counted as a failure when it begins and forgiven when it succeeds (a success starts its key and its address
/// afresh), so attempts made at the same moment cannot slip past the count together. While a key or an address waits, every attempt with it is refused unchecked — the right
/// secret too — but a refusal does not lengthen the wait, and the wait is short, so guessing cannot lock a user out for
/// long. Failures are forgotten <see cref="ForgetAfter"/> after the last one. Kept in the store every node shares
/// (<see cref="ISignInAttemptStore"/>, by the SHA-256 of the key id or the address), so several nodes count as one; thread-safe.
/// </remarks>
public sealed class SignInThrottle
{
    /// <summary>How long after its last failure a key or an address starts afresh.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    private readonly ISignInAttemptStore _store;
    private readonly SignInAttemptRules _rules;
    private readonly TimeProvider _time;

    /// <summary>Creates the throttle over the store every node shares.</summary>
    public SignInThrottle(ISignInAttemptStore store, ConsoleOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _rules = new SignInAttemptRules(options.SignInFreeFailures, FirstDelay, options.SignInMaxDelay, ForgetAfter);
        _time = time;
    }

    /// <summary>Begins an attempt with a known access key (or null when the id names none) from an address: null when it may be checked, else when the next attempt may be made.</summary>
    public DateTimeOffset? TryBegin(string? accessKeyId, string address)
    {
        var now = _time.GetUtcNow();

        // The store keeps what is forgotten no longer than it matters, so an attacker's many addresses do not pile up.
        _store.RemoveForgotten(now - ForgetAfter);
        return _store.TryBegin(Names(accessKeyId, address), now, _rules);
    }

    /// <summary>When the next attempt with this key (or null) from this address may be made, or null when it may be made now.</summary>
    public DateTimeOffset? RetryAt(string? accessKeyId, string address) => _store.RetryAt(Names(accessKeyId, address), _time.GetUtcNow());

    /// <summary>The attempt begun with these succeeded: the key and the address start afresh.</summary>
    /// <remarks>Another key's failures are its own: a user who signs in clears no one else's count.</remarks>
    public void Succeeded(string accessKeyId, string address) => _store.Forgive(Names(accessKeyId, address));

    private static byte[][] Names(string? accessKeyId, string address) =>
        accessKeyId is null ? [Name("address " + address)] : [Name("key " + accessKeyId), Name("address " + address)];

    private static byte[] Name(string name) => SHA256.HashData(Encoding.UTF8.GetBytes(name));
}
