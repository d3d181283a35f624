using System.Collections.Concurrent;
using System.Globalization;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Envelope;

/// <summary>Default encryption: data keys derived from Tracevault's own service key, one per account and day; no KMS call, nothing to audit.</summary>
/// <remarks>Thread-safe; derived keys are cached in memory only.</remarks>
public sealed class DefaultDataKeys : IDataKeySource
{
    /// <summary>The prefix of every default data-key reference.</summary>
    public const string ReferencePrefix = "default/";

    private readonly ServiceKey _serviceKey;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DataKey> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the source over the service key.</summary>
    public DefaultDataKeys(ServiceKey serviceKey, TimeProvider time)
    {
        _serviceKey = serviceKey;
        _time = time;
    }

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

    /// <summary>The key of the keyed hash (blind index) that finds an account's traces by id without storing the id.</summary>
    public byte[] TraceIndexKey(string accountId) => _serviceKey.Derive($"tracevault/trace-index/{accountId}");

    private DataKey Get(string accountId, string reference) =>
        _cache.GetOrAdd(accountId + "|" + reference, static (_, state) =>
            new DataKey(state.reference, state.self._serviceKey.Derive($"tracevault/data-key/{state.accountId}/{state.reference}"), null),
            (self: this, accountId, reference));
}
