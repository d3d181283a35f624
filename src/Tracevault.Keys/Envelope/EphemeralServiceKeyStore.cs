namespace Tracevault.Keys.Envelope;

/// <summary>Service key versions held in memory only: for tests and benchmarks, and for a fixed key given in code.</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class EphemeralServiceKeyStore : IServiceKeyStore
{
    private readonly List<ServiceKey> _versions = [];
    private readonly Lock _lock = new();

    /// <summary>Creates a store whose version 1 is <paramref name="first"/>.</summary>
    public EphemeralServiceKeyStore(ServiceKey first)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (first.Version != 1)
        {
            throw new ArgumentException("Service key versions are numbered from 1.", nameof(first));
        }

        _versions.Add(first);
    }

    /// <inheritdoc />
    public int CurrentVersion()
    {
        lock (_lock)
        {
            return _versions.Count;
        }
    }

    /// <inheritdoc />
    public ServiceKey? Find(int version)
    {
        lock (_lock)
        {
            return version >= 1 && version <= _versions.Count ? _versions[version - 1] : null;
        }
    }

    /// <inheritdoc />
    public ServiceKey Rotate()
    {
        lock (_lock)
        {
            var next = new ServiceKey(_versions.Count + 1, ServiceKey.Generate());
            _versions.Add(next);
            return next;
        }
    }
}
