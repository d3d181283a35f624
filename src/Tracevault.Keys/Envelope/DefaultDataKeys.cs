using System.Globalization;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Envelope;

/// <summary>Default encryption: data keys derived from Tracevault's own service key, one per account and day; no KMS call, nothing to audit.</summary>
/// <remarks>Thread-safe; derived keys are cached in memory only, at most <see cref="CacheCapacity"/> of them for <see cref="CacheMaxAge"/> each.</remarks>
public sealed class DefaultDataKeys : IDataKeySource, ITraceIndexKeys
{
    /// <summary>The prefix of every default data-key reference.</summary>
    public const string ReferencePrefix = "default/";

    /// <summary>How many derived data keys stay cached: 1024 (one per account and day in use).</summary>
    public const int CacheCapacity = 1024;

    /// <summary>How long a derived data key stays cached: one hour (deriving it again costs one HKDF).</summary>
    public static readonly TimeSpan CacheMaxAge = TimeSpan.FromHours(1);

    private readonly ServiceKey _serviceKey;
    private readonly TimeProvider _time;
    private readonly DataKeyCache<string> _cache;

    /// <summary>Creates the source over the service key.</summary>
    public DefaultDataKeys(ServiceKey serviceKey, TimeProvider time)
    {
        _serviceKey = serviceKey;
        _time = time;
        _cache = new DataKeyCache<string>(CacheCapacity, CacheMaxAge, time);
    }

    /// <summary>How many derived data keys are cached now.</summary>
    public int CachedKeys => _cache.Count;

    /// <summary>The data key of today for <paramref name="accountId"/>.</summary>
    public DataKey ForSealing(string accountId)
    {
        var day = _time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return Get(accountId, $"{ReferencePrefix}{_serviceKey.Version}/{day}");
    }

    /// <summary>The data key a default reference names; anyone the X-Ray permissions let read may open it.</summary>
    public DataKey ForOpening(string accountId, string reference, Caller reader)
    {
        var versionPrefix = $"{ReferencePrefix}{_serviceKey.Version}/";
        return reference.StartsWith(versionPrefix, StringComparison.Ordinal)
            ? Get(accountId, reference)
            : throw new DataKeyAccessException("(default encryption)", $"The data key '{reference}' was not made by this service key.", accessDenied: false);
    }

    /// <summary>The key of the keyed hash (blind index) that finds an account's default-encrypted traces by id without storing the id.</summary>
    public byte[] TraceIndexKey(string accountId) => _serviceKey.Derive($"tracevault/trace-index/{accountId}");

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

    private DataKey Get(string accountId, string reference)
    {
        var cacheKey = accountId + "|" + reference;
        return _cache.Find(cacheKey)
            ?? _cache.Add(cacheKey, new DataKey(reference, _serviceKey.Derive($"tracevault/data-key/{accountId}/{reference}"), null));
    }
}
