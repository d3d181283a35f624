namespace Tracevault.Keys.Envelope;

/// <summary>Where Tracevault keeps the versions of its own service key, each sealed under the root key: the newest seals, every version opens.</summary>
/// <remarks>
/// Versions are numbered from 1 and only ever added (<see cref="Rotate"/>); a version's bytes never change (a root-key rotation
/// re-seals them as they are). Implementations are thread-safe, and a version another process adds is seen by
/// <see cref="CurrentVersion"/> as soon as it is committed.
/// </remarks>
public interface IServiceKeyStore
{
    /// <summary>The newest version, which seals new default-encrypted data; the store makes version 1 when it holds none yet.</summary>
    int CurrentVersion();

    /// <summary>Opens one version, or returns null when the store holds no such version.</summary>
    ServiceKey? Find(int version);

    /// <summary>Adds a new random version, one above the newest, which seals from then on, and returns it.</summary>
    ServiceKey Rotate();
}
