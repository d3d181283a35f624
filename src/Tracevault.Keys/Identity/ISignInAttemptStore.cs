namespace Tracevault.Keys.Identity;

/// <summary>The console's failed sign-ins, counted per name (an access key, a client address) and shared by every node, so N nodes give a guesser no more attempts than one.</summary>
/// <remarks>
/// Names are SHA-256 hashes: the store never sees an access key id or an address. Thread-safe; each call is atomic across
/// every node sharing the store (failures begun on two nodes at once count twice, and a name that must wait is never counted past its wait).
/// </remarks>
public interface ISignInAttemptStore
{
    /// <summary>Begins an attempt under <paramref name="names"/> at <paramref name="now"/>: when any of them must wait, the latest time one waits until, counting nothing; else counts a failure on each (one whose last failure is <see cref="SignInAttemptRules.ForgetAfter"/> old or more starts afresh), sets its wait by <paramref name="rules"/>, and returns null.</summary>
    DateTimeOffset? TryBegin(IReadOnlyList<byte[]> names, DateTimeOffset now, SignInAttemptRules rules);

    /// <summary>The latest time one of <paramref name="names"/> must wait until after <paramref name="now"/>, or null when none must.</summary>
    DateTimeOffset? RetryAt(IReadOnlyList<byte[]> names, DateTimeOffset now);

    /// <summary>Forgets every failure of <paramref name="names"/> (a success starts them afresh); forgetting a name that has none changes nothing.</summary>
    void Forgive(IReadOnlyList<byte[]> names);

    /// <summary>Removes every name whose last failure is at or before <paramref name="lastFailureAtOrBefore"/>; returns how many.</summary>
    int RemoveForgotten(DateTimeOffset lastFailureAtOrBefore);
}
