using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.External;
using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Settings;

/// <summary>The one place that decides which key seals an account's new data, and opens stored data for a reader.</summary>
/// <remarks>
/// With default encryption, data keys come from the service key. With a KMS key, the node asks the KMS for a data key
/// (as the X-Ray service principal, through its grant) once per <see cref="EncryptionSettingsOptions.DataKeyWindow"/>,
/// keeps the plaintext in memory only and stores the wrapped copy. Before every use it asks the key service whether the
/// key is still usable — a cheap check that changes the moment a key is disabled, scheduled for deletion, or loses its
/// grant or policy on this node, and within a propagation round when another node did it (<see cref="KeyService.ObserveStoreChanges"/>)
/// — and when it is not, it stops: nothing is sealed under another key or left unencrypted. Plaintext data
/// keys are cached bounded in count and age (<see cref="EncryptionSettingsOptions.DataKeyCacheCapacity"/>,
/// <see cref="EncryptionSettingsOptions.DataKeyCacheMaxAge"/>) and zeroed when evicted; those a KMS key protected are evicted
/// the moment its material is destroyed (<see cref="KeyService.KeyDestroyed"/>). The blind index of chunks sealed under a KMS key
/// is keyed by a key derived from that key's material (<see cref="KeyService.DeriveTraceIndexKey"/>), so its destruction takes
/// the ability to find them with it. A key in the external key service (<see cref="IExternalKeyService"/>) gets its data keys
/// there, is checked there every <see cref="ExternalKeyOptions.CheckInterval"/> (<see cref="CheckExternalKeys"/>), stops the account
/// when refused or unreachable, and is retried with backoff until it works again; its data keys are used and kept opened at most
/// <see cref="ExternalKeyOptions.CacheTime"/>. Thread-safe.
/// </remarks>
public sealed class DataKeyPolicy : IDataKeySource, ITraceIndexKeys
{
    /// <summary>The service principal the trace store acts as toward the KMS.</summary>
    public const string ServicePrincipal = "xray.amazonaws.com";

    private readonly KeyService _kms;
    private readonly DefaultDataKeys _defaults;
    private readonly IEncryptionSettingRepository _settings;
    private readonly TimeProvider _time;
    private readonly EncryptionSettingsOptions _options;
    private readonly ConcurrentDictionary<string, EncryptionSetting> _applied = new(StringComparer.Ordinal);
    private readonly DataKeyCache<(string AccountId, int SettingVersion, string KeyArn)> _sealing;
    private readonly ConcurrentDictionary<string, StoringStatus> _stopped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, WrappedDataKey> _wrapped = new();
    private readonly DataKeyCache<(string Reference, string Reader, long Generation)> _opened;
    private readonly DataKeyCache<(string AccountId, string KeyArn)> _indexKeys;
    private readonly ConcurrentDictionary<(string AccountId, string KeyArn), byte> _indexed = new();
    private readonly Lock _generating = new();
    private readonly Lock _stopping = new();
    private readonly ILogger<DataKeyPolicy> _logger;
    private readonly IExternalKeyService _external;
    private readonly ExternalKeyOptions _externalOptions;
    private readonly DataKeyCache<(string AccountId, int SettingVersion, string KeyArn)> _externalSealing;
    private readonly DataKeyCache<string> _externalOpened;
    private readonly ConcurrentDictionary<string, ExternalKeyStatus> _externalKeys = new(StringComparer.Ordinal);
    private bool _restoredStopped;

    /// <summary>Creates the policy.</summary>
    public DataKeyPolicy(KeyService kms, DefaultDataKeys defaults, IEncryptionSettingRepository settings, TimeProvider time, EncryptionSettingsOptions options, IExternalKeyService external, ExternalKeyOptions externalOptions, ILogger<DataKeyPolicy> logger)
    {
        ArgumentNullException.ThrowIfNull(externalOptions);
        _external = external;
        _externalOptions = externalOptions;
        _externalSealing = new DataKeyCache<(string, int, string)>(options.DataKeyCacheCapacity, Min(options.DataKeyWindow, externalOptions.CacheTime), time);
        _externalOpened = new DataKeyCache<string>(options.DataKeyCacheCapacity, externalOptions.CacheTime, time);
        _logger = logger;
        _kms = kms;
        _defaults = defaults;
        _settings = settings;
        _time = time;
        _options = options;
        _sealing = new DataKeyCache<(string, int, string)>(options.DataKeyCacheCapacity, options.DataKeyWindow, time);
        _opened = new DataKeyCache<(string, string, long)>(options.DataKeyCacheCapacity, options.DataKeyCacheMaxAge, time);
        _indexKeys = new DataKeyCache<(string, string)>(options.DataKeyCacheCapacity, options.DataKeyCacheMaxAge, time);
        kms.KeyDestroyed += (_, destroyed) => Evict(destroyed.KeyArn);
    }

    /// <summary>How many plaintext data keys this node holds in memory now, for sealing and for opening.</summary>
    public int CachedDataKeys => _sealing.Count + _opened.Count + _indexKeys.Count + _externalSealing.Count + _externalOpened.Count;

    /// <summary>What this node last learned about a key of the external key service, or null when it never asked.</summary>
    public ExternalKeyStatus? FindExternalKeyStatus(string keyArn) => _externalKeys.TryGetValue(keyArn, out var status) ? status : null;

    /// <summary>The encryption context every KMS data key of an account is bound to: it names the account and the service.</summary>
    public IReadOnlyDictionary<string, string> EncryptionContext(string accountId) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { ["aws:xray:arn"] = $"arn:aws:xray:{_kms.Region}:{accountId}:trace-data" };

    /// <summary>The setting this node applies to an account now.</summary>
    public EncryptionSetting Applied(string accountId) =>
        _applied.TryGetValue(accountId, out var setting) ? setting : _applied.GetOrAdd(accountId, _settings.FindCurrent(accountId) ?? EncryptionSetting.Default(accountId));

    /// <summary>Takes up a new setting; from then on this node seals the account's data under it alone, or stores nothing while its key cannot be used.</summary>
    /// <remarks>
    /// With a KMS key the data key is obtained first, so the node can seal under it at once. A key that cannot be used (disabled
    /// or cut off while the setting was still <c>UPDATING</c>) does not keep the previous setting in force: the user chose this
    /// key, so nothing is sealed under the old one any more; storing stops with the key named, and resumes by itself once the
    /// key can be used (<see cref="RecheckStopped"/>).
    /// </remarks>
    public void Apply(EncryptionSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.Type == EncryptionType.Kms)
        {
            try
            {
                ObtainDataKey(setting);
            }
            catch (StoringStoppedException)
            {
                // Stop has recorded the storing status with this key and its reason; the setting is taken up all the same.
            }
        }

        _applied[setting.AccountId] = setting;
    }

    /// <summary>How many accounts this node has stopped storing for, because their key cannot be used.</summary>
    public int StoppedAccountCount => _stopped.Count;

    /// <summary>Why storing is stopped for an account, or null while it works.</summary>
    public StoringStatus? FindStoringStatus(string accountId) => _stopped.TryGetValue(accountId, out var status) ? status : _settings.FindStoringStatus(accountId);

    /// <summary>Checks again whether a stopped account's key is usable, so the status clears even before new data arrives; and
    /// whether an applied key has become unusable, so storing is reported stopped even before new data arrives.</summary>
    public void RecheckStopped()
    {
        if (!_restoredStopped)
        {
            // A status persisted before a restart: take it over once, so it clears here when the key is usable again.
            foreach (var accountId in _applied.Keys)
            {
                if (_settings.FindStoringStatus(accountId) is { } persisted)
                {
                    _stopped.TryAdd(accountId, persisted);
                }
            }

            _restoredStopped = true;
        }

        foreach (var accountId in _stopped.Keys)
        {
            var setting = Applied(accountId);
            if (setting.IsExternal)
            {
                // The external key is asked by CheckExternalKeys, with backoff, never from this round.
                if (FindExternalKeyStatus(setting.KeyArn!) is { Usable: true })
                {
                    Resume(accountId);
                }

                continue;
            }

            if (setting.Type == EncryptionType.None
                || _kms.CheckUsable(Caller.ForService(accountId, ServicePrincipal), setting.KeyArn!, EncryptionContext(accountId)).Usable)
            {
                Resume(accountId);
            }
        }

        // The same cheap, cached check every write makes: a key disabled, scheduled for deletion or cut off while no data
        // arrives still stops the account at once, so the status (and the console's notice) says so within a round.
        foreach (var (accountId, setting) in _applied)
        {
            if (setting.IsExternal)
            {
                if (!_stopped.ContainsKey(accountId) && FindExternalKeyStatus(setting.KeyArn!) is { Usable: false, Reason: { } reason })
                {
                    _ = Stop(accountId, setting.KeyArn!, reason);
                }
            }
            else if (setting.Type == EncryptionType.Kms && !_stopped.ContainsKey(accountId))
            {
                var usability = _kms.CheckUsable(Caller.ForService(accountId, ServicePrincipal), setting.KeyArn!, EncryptionContext(accountId));
                if (!usability.Usable)
                {
                    _ = Stop(accountId, setting.KeyArn!, $"{usability.ErrorCode}: {usability.Message}");
                }
            }
        }
    }

    /// <inheritdoc />
    public DataKey ForSealing(string accountId)
    {
        var setting = Applied(accountId);
        if (setting.Type == EncryptionType.None)
        {
            Resume(accountId);
            return _defaults.ForSealing(accountId);
        }

        var key = ObtainDataKey(setting);
        Resume(accountId);
        return key;
    }

    /// <inheritdoc />
    public DataKey ForOpening(string accountId, string reference, Caller reader)
    {
        if (reference.StartsWith(DefaultDataKeys.ReferencePrefix, StringComparison.Ordinal))
        {
            return _defaults.ForOpening(accountId, reference, reader);
        }

        if (!reference.StartsWith(WrappedDataKey.ReferencePrefix, StringComparison.Ordinal)
            || !long.TryParse(reference.AsSpan(WrappedDataKey.ReferencePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new DataKeyAccessException("(unknown)", $"The data key reference '{reference}' is not one Tracevault makes.", accessDenied: false);
        }

        var wrapped = _wrapped.TryGetValue(id, out var known) ? known : _settings.FindDataKey(id);
        if (wrapped is null || wrapped.AccountId != accountId)
        {
            throw new DataKeyAccessException("(unknown)", $"The data key {reference} of account {accountId} does not exist.", accessDenied: false);
        }

        Remember(wrapped);
        if (wrapped.External)
        {
            return OpenExternal(wrapped, reader);
        }

        var cacheKey = (reference, reader.Arn, _kms.Generation);
        if (_opened.Find(cacheKey) is { } opened)
        {
            KeyMetrics.DataKeyLookup("open", hit: true);
            return opened;
        }

        KeyMetrics.DataKeyLookup("open", hit: false);

        try
        {
            var result = _kms.Decrypt(reader, new DecryptRequest(wrapped.CiphertextBlob, EncryptionContext(accountId)) { KeyId = wrapped.KeyArn, ViaService = ServicePrincipal });
            return _opened.Add(cacheKey, new DataKey(reference, result.Plaintext, wrapped.KeyArn));
        }
        catch (KmsException error)
        {
            throw Unreadable(accountId, wrapped.KeyArn, reader, error.Code, error.Message);
        }
    }

    /// <inheritdoc />
    public byte[] ForIndexing(string accountId, DataKey sealingKey)
    {
        ArgumentNullException.ThrowIfNull(sealingKey);
        if (sealingKey.KeyArn is not { } keyArn || sealingKey.External)
        {
            // An external key's material never reaches Tracevault: its chunks are indexed with the account's default index key.
            return _defaults.TraceIndexKey(accountId);
        }

        if (IndexKey(accountId, keyArn) is not { } key)
        {
            throw Stop(accountId, keyArn, $"NotFoundException: Key '{keyArn}' does not exist");
        }

        // Recorded before the first chunk indexed with it is stored, so searches know to use it; once per process and key.
        if (!_indexed.ContainsKey((accountId, keyArn)))
        {
            _settings.AddIndexedKey(accountId, keyArn, _time.GetUtcNow());
            _indexed.TryAdd((accountId, keyArn), 0);
        }

        return key;
    }

    /// <inheritdoc />
    public IReadOnlyList<byte[]> ForSearching(string accountId)
    {
        var keys = new List<byte[]> { _defaults.TraceIndexKey(accountId) };
        foreach (var keyArn in _settings.ListIndexedKeys(accountId))
        {
            if (IndexKey(accountId, keyArn) is { } key)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The index key of an account's chunks sealed under a KMS key, or null once its material is destroyed.</summary>
    private byte[]? IndexKey(string accountId, string keyArn)
    {
        if (_indexKeys.Find((accountId, keyArn)) is { } cached)
        {
            return cached.Key;
        }

        return _kms.DeriveTraceIndexKey(accountId, keyArn) is { } derived
            ? _indexKeys.Add((accountId, keyArn), new DataKey("index/" + keyArn, derived, keyArn)).Key
            : null;
    }

    /// <summary>Why a reader cannot open what a KMS key protects: access denied to this reader, or the key cannot decrypt for anyone.</summary>
    private DataKeyAccessException Unreadable(string accountId, string keyArn, Caller reader, string code, string message) =>
        code is "AccessDeniedException" && !KeyIsGone(accountId, keyArn)
            ? new DataKeyAccessException(keyArn, $"{reader.Arn} may not read this trace data: it is encrypted under the KMS key {keyArn}, and reading it needs kms:Decrypt on that key. {message}", accessDenied: true)
            : new DataKeyAccessException(keyArn, $"This trace data is unreadable: it is encrypted under the KMS key {keyArn}, which cannot decrypt ({code}: {message}).", accessDenied: false);

    /// <summary>Whether a key can no longer decrypt for anyone (deleted or otherwise gone), as opposed to refusing one reader.</summary>
    private bool KeyIsGone(string accountId, string keyArn)
    {
        var usability = _kms.CheckUsable(Caller.ForService(accountId, ServicePrincipal), keyArn, EncryptionContext(accountId), "Decrypt");
        return !usability.Usable && usability.ErrorCode != "AccessDeniedException";
    }

    private DataKey ObtainDataKey(EncryptionSetting setting)
    {
        if (setting.IsExternal)
        {
            return ObtainExternalDataKey(setting, retrying: false);
        }

        var accountId = setting.AccountId;
        var keyArn = setting.KeyArn!;
        var caller = Caller.ForService(accountId, ServicePrincipal);
        var context = EncryptionContext(accountId);

        // Checked on every use: a cached data key must not outlive its key's revocation.
        var usability = _kms.CheckUsable(caller, keyArn, context);
        if (!usability.Usable)
        {
            throw Stop(accountId, keyArn, $"{usability.ErrorCode}: {usability.Message}");
        }

        // One data key per setting and window (the cache's age limit is the window): a new setting or key gets a new one.
        var cacheKey = (accountId, setting.Version, keyArn);
        if (_sealing.Find(cacheKey) is { } current)
        {
            KeyMetrics.DataKeyLookup("seal", hit: true);
            return current;
        }

        lock (_generating)
        {
            if (_sealing.Find(cacheKey) is { } generatedMeanwhile)
            {
                KeyMetrics.DataKeyLookup("seal", hit: true);
                return generatedMeanwhile;
            }

            KeyMetrics.DataKeyLookup("seal", hit: false);

            DataKeyResult generated;
            try
            {
                generated = _kms.GenerateDataKey(caller, new GenerateDataKeyRequest(keyArn, context) { KeySpec = "AES_256" });
            }
            catch (KmsException error)
            {
                throw Stop(accountId, keyArn, $"{error.Code}: {error.Message}");
            }

            var wrapped = _settings.AddDataKey(accountId, generated.KeyArn, generated.CiphertextBlob, _time.GetUtcNow(), external: false);
            Remember(wrapped);
            return _sealing.Add(cacheKey, new DataKey(wrapped.Reference, generated.Plaintext!, generated.KeyArn));
        }
    }

    private StoringStoppedException Stop(string accountId, string keyArn, string reason)
    {
        _sealing.Evict((cached, _) => cached.AccountId == accountId);
        _externalSealing.Evict((cached, _) => cached.AccountId == accountId);
        lock (_stopping)
        {
            if (!_stopped.TryGetValue(accountId, out var status) || status.KeyArn != keyArn || status.Reason != reason)
            {
                // Logged when storing stops, or stops under another key; a new wording of the same key's reason is only recorded.
                if (status?.KeyArn != keyArn)
                {
                    LogMessages.StoringStopped(_logger, accountId, keyArn, reason);
                }

                status = new StoringStatus(accountId, keyArn, reason, status?.KeyArn == keyArn ? status.Since : _time.GetUtcNow());
                _stopped[accountId] = status;
                _settings.SetStoringStatus(accountId, status);
            }
        }

        return new StoringStoppedException(keyArn, reason);
    }

    private void Resume(string accountId)
    {
        // Every sealing passes here: no lock while the account is storing.
        if (!_stopped.ContainsKey(accountId))
        {
            return;
        }

        lock (_stopping)
        {
            if (_stopped.TryRemove(accountId, out var status))
            {
                _settings.SetStoringStatus(accountId, null);
                LogMessages.StoringResumed(_logger, accountId, status.KeyArn, status.Since);
            }
        }
    }

    /// <summary>Keeps a wrapped data key found or made (no secret: it opens only through the KMS); the cache starts over when full.</summary>
    private void Remember(WrappedDataKey wrapped)
    {
        if (_wrapped.Count >= _options.DataKeyCacheCapacity && !_wrapped.ContainsKey(wrapped.Id))
        {
            _wrapped.Clear();
        }

        _wrapped[wrapped.Id] = wrapped;
    }

    /// <summary>Zeroes and forgets every data key a destroyed KMS key protected: nothing it sealed opens here any more.</summary>
    private void Evict(string keyArn)
    {
        var evicted = _sealing.Evict((_, key) => key.KeyArn == keyArn) + _opened.Evict((_, key) => key.KeyArn == keyArn) + _indexKeys.Evict((_, key) => key.KeyArn == keyArn);
        foreach (var (id, wrapped) in _wrapped)
        {
            if (wrapped.KeyArn == keyArn)
            {
                _wrapped.TryRemove(id, out _);
            }
        }

        LogMessages.DataKeysEvicted(_logger, keyArn, evicted);
    }

    /// <summary>Asks the external key service about every external key an account applies whose check is due: a usable key with
    /// DescribeKey (every <see cref="ExternalKeyOptions.CheckInterval"/>), an unusable one by trying again to get its data key (with
    /// backoff); stops or resumes the accounts that use it. Called by one background loop, never per write.</summary>
    public void CheckExternalKeys()
    {
        var now = _time.GetUtcNow();
        foreach (var group in _applied.Values.Where(s => s.IsExternal).GroupBy(s => s.KeyArn!, StringComparer.Ordinal))
        {
            var keyArn = group.Key;
            var status = FindExternalKeyStatus(keyArn);
            if (status is not null && now < status.NextCheckAt)
            {
                continue;
            }

            if (status is null or { Usable: true })
            {
                var first = group.First();
                try
                {
                    var described = _external.DescribeKey(keyArn, Caller.ForService(first.AccountId, ServicePrincipal));
                    if (described.KeyState == "Enabled")
                    {
                        MarkUsable(keyArn);
                        continue;
                    }

                    MarkUnusable(keyArn, described.KeyState, described.KeyState == "Disabled"
                        ? $"DisabledException: {keyArn} is disabled."
                        : $"KMSInvalidStateException: {keyArn} is {described.KeyState}.");
                }
                catch (ExternalKeyException error)
                {
                    MarkUnusable(keyArn, error.Unreachable ? "Unknown" : status?.State ?? "Unknown", ExternalReason(error));
                }

                foreach (var setting in group)
                {
                    _ = Stop(setting.AccountId, keyArn, _externalKeys[keyArn].Reason!);
                }

                continue;
            }

            // Unusable: the real use tells whether it works again (state, grant and access at once); the first account that gets
            // a data key resumes every account of the key through RecheckStopped.
            foreach (var setting in group)
            {
                try
                {
                    _ = ObtainExternalDataKey(setting, retrying: true);
                    Resume(setting.AccountId);
                }
                catch (StoringStoppedException)
                {
                    // Recorded by MarkUnusable with its backoff; the next due check tries again.
                }
            }
        }
    }

    private DataKey ObtainExternalDataKey(EncryptionSetting setting, bool retrying)
    {
        var accountId = setting.AccountId;
        var keyArn = setting.KeyArn!;
        if (!retrying && FindExternalKeyStatus(keyArn) is { Usable: false, Reason: { } reason })
        {
            throw Stop(accountId, keyArn, reason);
        }

        // At most one cache time per data key: a key disabled there stops storing here within it, even with no check due.
        var cacheKey = (accountId, setting.Version, keyArn);
        if (_externalSealing.Find(cacheKey) is { } current)
        {
            KeyMetrics.DataKeyLookup("seal", hit: true);
            return current;
        }

        lock (_generating)
        {
            if (_externalSealing.Find(cacheKey) is { } generatedMeanwhile)
            {
                KeyMetrics.DataKeyLookup("seal", hit: true);
                return generatedMeanwhile;
            }

            KeyMetrics.DataKeyLookup("seal", hit: false);
            byte[] plaintext;
            byte[] blob;
            try
            {
                (plaintext, blob) = _external.GenerateDataKey(keyArn, EncryptionContext(accountId), setting.ExternalGrant!.GrantToken, Caller.ForService(accountId, ServicePrincipal));
            }
            catch (ExternalKeyException error)
            {
                MarkUnusable(keyArn, error.Unreachable ? "Unknown" : FindExternalKeyStatus(keyArn)?.State ?? "Unknown", ExternalReason(error));
                throw Stop(accountId, keyArn, ExternalReason(error));
            }

            MarkUsable(keyArn);
            var wrapped = _settings.AddDataKey(accountId, keyArn, blob, _time.GetUtcNow(), external: true);
            Remember(wrapped);
            return _externalSealing.Add(cacheKey, new DataKey(wrapped.Reference, plaintext, keyArn) { External = true });
        }
    }

    /// <summary>Opens a data key an external key wrapped: the reader needs kms:Decrypt on that key in Tracevault's own policies (the reader has no identity there).</summary>
    private DataKey OpenExternal(WrappedDataKey wrapped, Caller reader)
    {
        if (!reader.IsService && reader.EvaluateIdentityPolicies("kms:Decrypt", wrapped.KeyArn) != PolicyDecision.Allow)
        {
            throw new DataKeyAccessException(wrapped.KeyArn, $"{reader.Arn} may not read this trace data: it is encrypted under the external KMS key {wrapped.KeyArn}, and reading it needs kms:Decrypt on that key.", accessDenied: true);
        }

        if (_externalOpened.Find(wrapped.Reference) is { } opened)
        {
            KeyMetrics.DataKeyLookup("open", hit: true);
            return opened;
        }

        KeyMetrics.DataKeyLookup("open", hit: false);
        var setting = Applied(wrapped.AccountId);
        var grantToken = setting.KeyArn == wrapped.KeyArn ? setting.ExternalGrant?.GrantToken : null;
        try
        {
            var plaintext = _external.Decrypt(wrapped.KeyArn, wrapped.CiphertextBlob, EncryptionContext(wrapped.AccountId), grantToken, Caller.ForService(wrapped.AccountId, ServicePrincipal));
            return _externalOpened.Add(wrapped.Reference, new DataKey(wrapped.Reference, plaintext, wrapped.KeyArn) { External = true });
        }
        catch (ExternalKeyException error)
        {
            throw new DataKeyAccessException(wrapped.KeyArn, $"This trace data is unreadable now: it is encrypted under the external KMS key {wrapped.KeyArn}, which cannot decrypt ({ExternalReason(error)}).", accessDenied: false);
        }
    }

    private void MarkUsable(string keyArn)
    {
        var now = _time.GetUtcNow();
        _externalKeys[keyArn] = new ExternalKeyStatus(keyArn, true, "Enabled", null, now, now + _externalOptions.CheckInterval, 0);
    }

    private void MarkUnusable(string keyArn, string state, string reason)
    {
        var now = _time.GetUtcNow();
        var failures = (FindExternalKeyStatus(keyArn) is { Usable: false } previous ? previous.Failures : 0) + 1;

        // Backoff: 1, 2, 4, … seconds, at most the check interval.
        var backoff = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(failures - 1, 16)));
        _externalKeys[keyArn] = new ExternalKeyStatus(keyArn, false, state, reason, now, now + Min(backoff, _externalOptions.CheckInterval), failures);
    }

    private string ExternalReason(ExternalKeyException error) => error.Unreachable
        ? $"{ExternalKeyStatus.UnreachableReason}: {_external.Endpoint} did not answer ({error.Message})"
        : $"{error.Code}: {error.Message}";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
