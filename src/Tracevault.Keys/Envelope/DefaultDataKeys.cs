using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Envelope;

/// <summary>Default encryption: data keys derived from Tracevault's own service key, one per service-key version, account and day; no KMS call, nothing to audit.</summary>
/// <remarks>
/// New data is sealed under the newest service-key version; a data key's reference (<c>default/VERSION/DAY</c>) names the version it
/// came from, so every version opens what it sealed. The newest version is read again from the store at most once per
/// <see cref="VersionCheckInterval"/>, so a rotation made by another process (<c>tracevault service-key rotate</c>) seals new
/// chunks from then on without a restart. Thread-safe; derived keys are cached in memory only, at most <see cref="CacheCapacity"/> of them for <see cref="CacheMaxAge"/> each.
/// </remarks>
public sealed class DefaultDataKeys : IDataKeySource, ITraceIndexKeys
{
    /// <summary>The prefix of every default data-key reference.</summary>
    public const string ReferencePrefix = "default/";

    /// <summary>How long the newest service-key version is taken as current before the store is asked again: 1 second.</summary>
    public static readonly TimeSpan VersionCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>How many derived data keys stay cached: 1024 (one per account and day in use).</summary>
    public const int CacheCapacity = 1024;

    /// <summary>How long a derived data key stays cached: one hour (deriving it again costs one HKDF).</summary>
    public static readonly TimeSpan CacheMaxAge = TimeSpan.FromHours(1);

    /// <summary>The service-key version the blind index is derived from: the first, so every trace stays findable across rotations.</summary>
    private const int IndexVersion = 1;

    private readonly IServiceKeyStore _serviceKeys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, ServiceKey> _versions = new();
    private readonly DataKeyCache<string> _cache;
    private readonly Lock _checking = new();
    private volatile CurrentServiceKey? _current;

    /// <summary>Creates the source over the service-key versions in <paramref name="serviceKeys"/>.</summary>
    public DefaultDataKeys(IServiceKeyStore serviceKeys, TimeProvider time, ILogger<DefaultDataKeys> logger)
    {
        _serviceKeys = serviceKeys;
        _time = time;
        _logger = logger;
        _cache = new DataKeyCache<string>(CacheCapacity, CacheMaxAge, time);
    }

    /// <summary>Creates the source over one fixed service key, version 1 (tests and benchmarks).</summary>
    public DefaultDataKeys(ServiceKey serviceKey, TimeProvider time)
        : this(new EphemeralServiceKeyStore(serviceKey), time, NullLogger<DefaultDataKeys>.Instance)
    {
    }

    /// <summary>How many derived data keys are cached now.</summary>
    public int CachedKeys => _cache.Count;

    /// <summary>The data key of today for <paramref name="accountId"/>, under the newest service-key version.</summary>
    public DataKey ForSealing(string accountId)
    {
        var serviceKey = Current();
        var day = _time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return Get(accountId, serviceKey, string.Create(CultureInfo.InvariantCulture, $"{ReferencePrefix}{serviceKey.Version}/{day}"));
    }

    /// <summary>The data key a default reference names, under the service-key version it names; anyone the X-Ray permissions let read may open it.</summary>
    public DataKey ForOpening(string accountId, string reference, Caller reader)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var rest = reference.AsSpan();
        var slash = rest.StartsWith(ReferencePrefix, StringComparison.Ordinal) ? rest[ReferencePrefix.Length..].IndexOf('/') : -1;
        if (slash <= 0 || !int.TryParse(rest.Slice(ReferencePrefix.Length, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new DataKeyAccessException("(default encryption)", $"The data key reference '{reference}' is not one Tracevault makes.", accessDenied: false);
        }

        var serviceKey = Version(version)
            ?? throw new DataKeyAccessException("(default encryption)", $"The data key '{reference}' was made by service key version {version}, which this data directory does not hold.", accessDenied: false);
        return Get(accountId, serviceKey, reference);
    }

    /// <summary>The key of the keyed hash (blind index) that finds an account's traces by id without storing the id.</summary>
    /// <remarks>Derived from service-key version 1 whatever the current version: a trace is found by the same hash before and after a rotation.</remarks>
    public byte[] TraceIndexKey(string accountId)
    {
        var first = Version(IndexVersion);
        if (first is null)
        {
            // Asking for the newest version makes version 1 in a store that holds none yet (a new data directory read before written).
            _ = Current();
            first = Version(IndexVersion) ?? throw new InvalidOperationException("The service key store holds no version 1.");
        }

        return first.Derive($"tracevault/trace-index/{accountId}");
    }

    /// <inheritdoc />
    /// <remarks>Only for data keys of default encryption: a KMS data key's chunks are indexed under a key that KMS key protects (<c>DataKeyPolicy</c>).</remarks>
    public byte[] ForIndexing(string accountId, DataKey sealingKey)
    {
        ArgumentNullException.ThrowIfNull(sealingKey);
        return sealingKey.KeyArn is null
            ? TraceIndexKey(accountId)
            : throw new ArgumentException($"The data key {sealingKey.Reference} is a KMS data key: default encryption does not index its chunks.", nameof(sealingKey));
    }

    /// <inheritdoc />
    public IReadOnlyList<byte[]> ForSearching(string accountId) => [TraceIndexKey(accountId)];

    /// <summary>The newest service-key version, asked of the store again once <see cref="VersionCheckInterval"/> has passed.</summary>
    private ServiceKey Current()
    {
        var now = _time.GetUtcNow();
        var current = _current;
        if (current is not null && now - current.CheckedAt < VersionCheckInterval)
        {
            return current.Key;
        }

        lock (_checking)
        {
            current = _current;
            if (current is not null && now - current.CheckedAt < VersionCheckInterval)
            {
                return current.Key;
            }

            var version = _serviceKeys.CurrentVersion();
            var key = current?.Key.Version == version
                ? current.Key
                : Version(version) ?? throw new InvalidOperationException($"The service key store names version {version} newest but does not hold it.");
            if (current is not null && current.Key.Version != version)
            {
                LogMessages.ServiceKeyVersionTakenUp(_logger, version, current.Key.Version);
            }

            _current = new CurrentServiceKey(key, now);
            return key;
        }
    }

    private ServiceKey? Version(int version)
    {
        if (_versions.TryGetValue(version, out var known))
        {
            return known;
        }

        // A version this process has not seen yet may have been added since by another (a rotation while serving).
        var found = _serviceKeys.Find(version);
        return found is null ? null : _versions.GetOrAdd(version, found);
    }

    private DataKey Get(string accountId, ServiceKey serviceKey, string reference)
    {
        var cacheKey = accountId + "|" + reference;
        return _cache.Find(cacheKey)
            ?? _cache.Add(cacheKey, new DataKey(reference, serviceKey.Derive($"tracevault/data-key/{accountId}/{reference}"), null));
    }

    private sealed record CurrentServiceKey(ServiceKey Key, DateTimeOffset CheckedAt);
}
