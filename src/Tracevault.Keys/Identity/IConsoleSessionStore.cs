namespace Tracevault.Keys.Identity;

/// <summary>Where the console's sessions are kept, shared by every node, so a user signed in on one node is signed in on all.</summary>
/// <remarks>
/// Sessions are found by the SHA-256 of their token only: the store never sees a token. Thread-safe; every call is one
/// statement, so nodes sharing the store need no lock of their own.
/// </remarks>
public interface IConsoleSessionStore
{
    /// <summary>Adds a session.</summary>
    void Add(ConsoleSessionRecord session);

    /// <summary>Finds a session by its token's hash, expired or not; null when there is none.</summary>
    ConsoleSessionRecord? Find(byte[] tokenHash);

    /// <summary>Moves a session's expiry to <paramref name="expiresAt"/> when that is later than the one stored (never earlier).</summary>
    void Extend(byte[] tokenHash, DateTimeOffset expiresAt);

    /// <summary>Removes a session (sign-out, an ended key); removing one that is gone changes nothing.</summary>
    void Remove(byte[] tokenHash);

    /// <summary>Removes every session whose expiry is at or before <paramref name="now"/>; returns how many.</summary>
    int RemoveExpired(DateTimeOffset now);
}
