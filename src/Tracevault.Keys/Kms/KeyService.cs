using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Kms;

/// <summary>The built-in KMS: keys, aliases, grants, policies, rotation, deletion and the cryptographic operations, each call audited.</summary>
/// <remarks>
/// Every public operation takes the <see cref="Caller"/> it acts for, authorizes it through the key policy, the caller's
/// IAM policies and the key's grants, records a CloudTrail record whether it succeeds or not, and throws
/// <see cref="KmsException"/> for errors a KMS client should see. A call's changes commit together with its record or not at
/// all (<see cref="IKeyChanges"/>); a refused call changes nothing. Thread-safe; changes are serialized by one lock, reads are not.
/// Key material is opened from its sealed form on first use and kept in memory only. Several nodes may share one store: a change
/// builds on the stored newest revision, and what another node changed is seen once <see cref="ObserveStoreChanges"/> runs.
/// </remarks>
public sealed partial class KeyService
{
    private readonly IKeyRepository _keys;
    private readonly IAuditLog _audit;
    private readonly RootKeyRing _rootKeys;
    private readonly TimeProvider _time;
    private readonly KmsOptions _options;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, KmsKey> _keyCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string KeyId, int Version), byte[]> _material = new();
    private readonly ConcurrentDictionary<string, PolicyDocument> _policies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, KeyUsability> _usability = new(StringComparer.Ordinal);
    private long _generation;
    private long _seenChangeNumber = -1;

    // Set when key material was destroyed and storage has not yet erased every copy of it (IKeyRepository.EraseDestroyedMaterial).
    private int _erasePending;

    /// <summary>Creates the key service.</summary>
    public KeyService(IKeyRepository keys, IAuditLog audit, RootKeyRing rootKeys, TimeProvider time, KmsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _keys = keys;
        _audit = audit;
        _rootKeys = rootKeys;
        _time = time;
        _options = options;
    }

    /// <summary>Raised after any key's state, policy, rotation or grants changed.</summary>
    /// <remarks>Raised once the change and its audit record are committed, on the thread that made it, possibly inside the key service's lock (or by <see cref="ObserveStoreChanges"/> for another node's change): handlers should only note the change (e.g. wake a worker), never call back or block.</remarks>
    public event EventHandler<KeyChangedEventArgs>? KeyChanged;

    /// <summary>Raised once a key's material is destroyed (its deletion window ended): whoever caches what it protected must forget it.</summary>
    /// <remarks>Raised inside the key service's lock after the destruction is committed: handlers may only evict their own caches, never call back.</remarks>
    public event EventHandler<KeyChangedEventArgs>? KeyDestroyed;

    /// <summary>A counter bumped by every change to any key's state, policy or grants: an answer computed at an older generation may be stale.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The region key ARNs name.</summary>
    public string Region => _options.Region;

    /// <summary>The ARN of a key.</summary>
    public string KeyArn(string accountId, string keyId) => $"arn:aws:kms:{_options.Region}:{accountId}:key/{keyId}";

    /// <summary>The ARN of an alias.</summary>
    public string AliasArn(string accountId, string aliasName) => $"arn:aws:kms:{_options.Region}:{accountId}:{aliasName}";

    /// <summary>The associated data key material is sealed with under the root key: the key ARN and the version.</summary>
    public static byte[] KeyMaterialAssociatedData(string keyArn, int version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/kms-key-material/{keyArn}/{version}"));

    /// <summary>The public, non-secret id of one version of a key's material: 64 hex characters.</summary>
    public static string KeyMaterialId(string keyArn, int version) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/key-material-id/{keyArn}/{version}"))));

    /// <summary>The default key policy of a key: the account root may use IAM policies (AWS's exact text).</summary>
    public static string DefaultPolicy(string accountId) =>
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::"
        + accountId + ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}";

    /// <summary>Destroys every key whose deletion window has ended, then erases from storage every copy left of destroyed material; returns how many keys it destroyed.</summary>
    /// <remarks>
    /// A key is also destroyed when it is next touched after its deletion date; the erasing left to do then is done here (the
    /// deletion sweep calls this every <see cref="KmsOptions.DeletionSweepInterval"/>), and tried again while storage is busy.
    /// </remarks>
    public int DestroyDueKeys()
    {
        var now = _time.GetUtcNow();
        var count = 0;
        foreach (var key in _keys.ListKeysPendingDeletion())
        {
            if (key.DeletionDate <= now && Maintain(key).State == KeyState.Deleted)
            {
                count++;
            }
        }

        // Outside the lock: erasing may wait for readers of the store to finish.
        if (Interlocked.Exchange(ref _erasePending, 0) == 1 && !_keys.EraseDestroyedMaterial())
        {
            Volatile.Write(ref _erasePending, 1);
        }

        return count;
    }

    /// <summary>
    /// Notices the changes to keys, aliases and grants committed since the last look, by any node sharing the store: key revisions
    /// this node cached are read again, every cached answer (<see cref="CheckUsable"/>, opened data keys) goes stale, and the changed
    /// keys are announced (<see cref="KeyChanged"/>, and <see cref="KeyDestroyed"/> for a key another node destroyed). Returns
    /// whether anything changed.
    /// </summary>
    /// <remarks>
    /// One cheap read (<see cref="IKeyRepository.ReadChangeNumber"/>) while nothing changed. Each node calls it every
    /// <see cref="Settings.EncryptionSettingsOptions.PropagationInterval"/> (at most 250 ms), so a key disabled, scheduled for
    /// deletion, re-policied or un-granted on one node stops every node sealing with it within that interval and one round.
    /// </remarks>
    public bool ObserveStoreChanges()
    {
        var number = _keys.ReadChangeNumber();
        if (number == Interlocked.Read(ref _seenChangeNumber))
        {
            return false;
        }

        // Read before the keys: a change committed while they are read bumps the number again, and the next look takes it.
        var changed = new List<KmsKey>();
        foreach (var (keyId, cached) in _keyCache)
        {
            // Only a newer committed revision replaces the cached one (never this node's own, not yet committed).
            if (_keys.FindKey(keyId) is { } stored && stored.Revision > cached.Revision && _keyCache.TryUpdate(keyId, stored, cached))
            {
                changed.Add(stored);
            }
        }

        Interlocked.Exchange(ref _seenChangeNumber, number);

        // Grants and aliases are read from the store at each use; the answers made from them are cached by generation.
        Interlocked.Increment(ref _generation);
        foreach (var key in changed)
        {
            if (key.State == KeyState.Deleted || !key.HasMaterial)
            {
                // Destroyed, or its imported material deleted or expired on another node: what it protected is gone here too.
                ForgetMaterial(key.KeyId);
                KeyDestroyed?.Invoke(this, new KeyChangedEventArgs(key.Arn, Generation));
            }

            Changed(key.Arn);
        }

        return true;
    }

    /// <summary>Whether destroyed key material may still be found in storage (the next <see cref="DestroyDueKeys"/> erases it).</summary>
    public bool ErasePending => Volatile.Read(ref _erasePending) == 1;

    /// <summary>
    /// The trace store's blind-index key for an account's chunks sealed under a customer key, derived inside the key service
    /// from the key's first version of material; null once that material is destroyed (or the key never existed).
    /// </summary>
    /// <remarks>
    /// No KMS operation, so neither authorized nor audited, like the service key's derivations: the material never leaves the key
    /// service, only a one-way HKDF-SHA256 of it under a label naming the use, account and key. It works in every state before
    /// destruction, so the traces of a disabled key are still found (and refused when opened, as its data keys do not open).
    /// </remarks>
    public byte[]? DeriveTraceIndexKey(string accountId, string keyArn)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyArn);
        var key = LoadKey(keyArn[(keyArn.LastIndexOf('/') + 1)..]);
        if (key is null || key.State == KeyState.Deleted || key.Arn != keyArn || Material(key, 1) is not { } material)
        {
            return null;
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, salt: [], info: Encoding.UTF8.GetBytes($"tracevault/trace-index/{accountId}/{keyArn}"));
    }

    /// <summary>How many requests of each kind each key of an account had, per month (<c>yyyy-MM</c>, or every month when null), for the console's cost view.</summary>
    /// <remarks>Priced as AWS prices KMS: <see cref="KeyUsage.KeyMonthPrice"/> per customer managed key and month, <see cref="KeyUsage.PricePerTenThousandRequests"/> per 10,000 requests.</remarks>
    public IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month) => _audit.ReadUsage(accountId, month);

    private T Run<T>(Caller caller, string eventName, bool readOnly, Func<KmsCall, T> body)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var call = new KmsCall(caller, eventName, readOnly, _time.GetUtcNow());
        try
        {
            T result;
            try
            {
                result = body(call);
            }
            catch (KmsException error)
            {
                // A refused call changes nothing: what it began is discarded, and its record says it was refused.
                Discard(call);
                Record(call, error);
                CountCall(call, error.Code);
                throw;
            }

            Record(call, null);
            CountCall(call, "ok");
            return result;
        }
        finally
        {
            Discard(call);
        }
    }

    /// <summary>Counts a call by operation, caller kind (never a user's name: the series stay few) and outcome.</summary>
    private static void CountCall(KmsCall call, string outcome) => KeyMetrics.Calls.Add(
        1,
        new KeyValuePair<string, object?>("operation", call.EventName),
        new KeyValuePair<string, object?>("caller", call.Caller.InvokedByService ?? "user"),
        new KeyValuePair<string, object?>("outcome", outcome));

    private void Run(Caller caller, string eventName, bool readOnly, Action<KmsCall> body) =>
        Run<bool>(caller, eventName, readOnly, call =>
        {
            body(call);
            return true;
        });

    /// <summary>Runs a call on the key <paramref name="keyId"/> names (a key id or ARN): records it and <paramref name="parameters"/>, resolves the key and authorizes the call on it.</summary>
    private T OnKey<T>(Caller caller, string eventName, bool readOnly, string keyId, (string Name, JsonNode? Value)[] parameters, Func<KmsCall, KmsKey, T> body) =>
        Run(caller, eventName, readOnly, call =>
        {
            call.RequestParameters["keyId"] = keyId;
            foreach (var (name, value) in parameters)
            {
                call.RequestParameters[name] = value;
            }

            var key = call.Touch(ResolveKey(caller, keyId, aliases: false));
            Authorize(caller, key, eventName, EncryptionContext.Empty);
            return body(call, key);
        });

    private void OnKey(Caller caller, string eventName, string keyId, (string Name, JsonNode? Value)[] parameters, Action<KmsCall, KmsKey> body) =>
        OnKey<bool>(caller, eventName, false, keyId, parameters, (call, key) =>
        {
            body(call, key);
            return true;
        });

    /// <summary>The call's changes, begun on its first change.</summary>
    private IKeyChanges Changes(KmsCall call) => call.Changes ??= _keys.BeginChanges();

    /// <summary>Writes the call's CloudTrail records: committed with its changes when it made any, else appended alone; then announces the keys it changed.</summary>
    private void Record(KmsCall call, KmsException? error, string eventType = "AwsApiCall")
    {
        var recipients = new List<string> { call.Caller.AccountId };
        recipients.AddRange(call.Keys.Select(k => k.AccountId).Where(a => !recipients.Contains(a)));
        var requestId = call.Caller.RequestId ?? Ids.NewUuid();
        var sharedEventId = recipients.Count > 1 ? Ids.NewUuid() : null;
        var events = new List<AuditEvent>(recipients.Count);
        foreach (var recipient in recipients)
        {
            var eventId = Ids.NewUuid();
            var json = KmsAuditRecord.Write(call, _options.Region, eventId, requestId, recipient, sharedEventId, error, eventType);
            events.Add(new AuditEvent(eventId, recipient, call.Time, KmsAuditRecord.EventSource, call.EventName, call.ReadOnly,
                KmsAuditRecord.Username(call.Caller), call.Caller.AccessKeyId ?? "", call.Keys.Select(k => k.Arn).ToArray(), json));
        }

        var usage = call.Keys.Count == 0
            ? null
            : new KeyUsageIncrement(call.Keys[0].AccountId, call.Keys[0].Arn, call.Time.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), call.EventName)
            {
                LastUses = LastUses(call, error, events, requestId),
            };
        if (call.Changes is { } changes)
        {
            changes.Commit(events, usage);
            changes.Dispose();
            call.Changes = null;
            call.CachedKeyIds.Clear();
        }
        else
        {
            _audit.Append(events, usage);
        }

        foreach (var arn in call.ChangedKeyArns.Distinct(StringComparer.Ordinal))
        {
            Changed(arn);
        }

        call.ChangedKeyArns.Clear();
    }

    /// <summary>Discards what a call changed but did not commit, and forgets the revisions it cached.</summary>
    private void Discard(KmsCall call)
    {
        if (call.Changes is null)
        {
            return;
        }

        call.Changes.Dispose();
        call.Changes = null;
        foreach (var keyId in call.CachedKeyIds)
        {
            _keyCache.TryRemove(keyId, out _);
        }

        call.CachedKeyIds.Clear();
        call.ChangedKeyArns.Clear();

        // Answers computed from a revision that was never committed must not outlive it.
        Interlocked.Increment(ref _generation);
    }

    /// <summary>Loads the newest revision of a key, applying a due deletion or rotation first; null when it never existed.</summary>
    private KmsKey? LoadKey(string keyId)
    {
        if (!_keyCache.TryGetValue(keyId, out var key))
        {
            key = _keys.FindKey(keyId);
            if (key is null)
            {
                return null;
            }

            key = _keyCache.GetOrAdd(keyId, key);
        }

        return Maintain(key);
    }

    /// <summary>Applies what the clock says is due: the end of a deletion window, or an automatic rotation.</summary>
    private KmsKey Maintain(KmsKey key)
    {
        var now = _time.GetUtcNow();
        var deletionDue = key.State == KeyState.PendingDeletion && key.DeletionDate <= now;
        var rotationDue = key.State is KeyState.Enabled or KeyState.Disabled && key.RotationPeriodInDays is not null && key.NextRotationDate <= now;
        if (!deletionDue && !rotationDue && !MaterialExpired(key, now))
        {
            return key;
        }

        lock (_gate)
        {
            var current = Current(key.KeyId);
            if (current.State == KeyState.PendingDeletion && current.DeletionDate <= now)
            {
                var deleted = ServiceEvent(current, "DeleteKey", call =>
                {
                    // Read again once writers are serialized: another node may have destroyed it (or cancelled) meanwhile.
                    var fresh = CurrentForChange(call, current.KeyId);
                    if (fresh.State != KeyState.PendingDeletion || fresh.DeletionDate > now)
                    {
                        return null;
                    }

                    var revision = fresh with { State = KeyState.Deleted, Revision = fresh.Revision + 1, RevisedAt = now, RotationPeriodInDays = null, NextRotationDate = null };
                    Changes(call).DestroyKey(revision);
                    Cache(call, revision);
                    call.ChangedKeyArns.Add(revision.Arn);
                    return revision;
                });
                if (deleted.State == KeyState.Deleted)
                {
                    ForgetMaterial(deleted.KeyId);
                    Volatile.Write(ref _erasePending, 1);
                    KeyDestroyed?.Invoke(this, new KeyChangedEventArgs(deleted.Arn, Generation));
                }

                return deleted;
            }

            if (MaterialExpired(current, now))
            {
                var expired = ServiceEvent(current, "DeleteExpiredKeyMaterial", call =>
                {
                    var fresh = CurrentForChange(call, current.KeyId);
                    return MaterialExpired(fresh, now) ? RemoveMaterial(call, fresh) : null;
                });
                if (!expired.HasMaterial)
                {
                    MaterialRemoved(expired);
                }

                return expired;
            }

            if (current.State is KeyState.Enabled or KeyState.Disabled && current.RotationPeriodInDays is not null && current.NextRotationDate <= now)
            {
                return ServiceEvent(current, "RotateKey", call =>
                {
                    var fresh = CurrentForChange(call, current.KeyId);
                    return fresh.State is KeyState.Enabled or KeyState.Disabled && fresh.RotationPeriodInDays is { } days && fresh.NextRotationDate <= now
                        ? Rotate(call, fresh, "AUTOMATIC", now.AddDays(days))
                        : null;
                });
            }

            return current;
        }
    }

    /// <summary>Zeroes and forgets the opened material of every version of a destroyed key.</summary>
    private void ForgetMaterial(string keyId)
    {
        foreach (var cached in _material.Keys.Where(k => k.KeyId == keyId).ToList())
        {
            if (_material.TryRemove(cached, out var material))
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    /// <summary>Makes a change KMS makes by itself (a due deletion or rotation) and commits it with its <c>AwsServiceEvent</c> record; when <paramref name="change"/> finds nothing left to do (another node did it), nothing is recorded and the newest revision is returned.</summary>
    private KmsKey ServiceEvent(KmsKey key, string eventName, Func<KmsCall, KmsKey?> change)
    {
        var call = new KmsCall(Caller.ForService(key.AccountId, "kms.amazonaws.com") with { SourceIp = "AWS Internal", UserAgent = "AWS Internal" }, eventName, false, _time.GetUtcNow());
        try
        {
            if (change(call) is not { } changed)
            {
                return Current(key.KeyId);
            }

            call.Touch(changed);
            call.RequestParameters["keyId"] = changed.Arn;
            Record(call, null, "AwsServiceEvent");
            return changed;
        }
        finally
        {
            Discard(call);
        }
    }

    /// <summary>The newest revision of a key already known to exist, as this node last saw it.</summary>
    private KmsKey Current(string keyId) =>
        _keyCache.TryGetValue(keyId, out var key) ? key : _keyCache.GetOrAdd(keyId, _keys.FindKey(keyId) ?? throw new InvalidOperationException($"Key {keyId} vanished."));

    /// <summary>The revision a call's change builds on: its own uncommitted one, else the stored newest, read once the call's changes began. Call with the lock held.</summary>
    /// <remarks>Writers on every node are serialized from <see cref="IKeyRepository.BeginChanges"/>, so the stored revision read after it stays the newest until the call commits: a change another node made is built on, never overwritten, whatever this node's cache still says.</remarks>
    private KmsKey CurrentForChange(KmsCall call, string keyId)
    {
        Changes(call);
        if (call.CachedKeyIds.Contains(keyId))
        {
            return _keyCache[keyId];
        }

        var stored = _keys.FindKey(keyId) ?? throw new InvalidOperationException($"Key {keyId} vanished.");
        _keyCache[keyId] = stored;
        return stored;
    }

    /// <summary>Appends a new revision made from the newest one to the call's changes. Call with the lock held.</summary>
    private KmsKey Save(KmsCall call, KmsKey changed, KeyVersion? newVersion = null)
    {
        var current = CurrentForChange(call, changed.KeyId);
        var next = changed with { Revision = current.Revision + 1, RevisedAt = _time.GetUtcNow() };
        Changes(call).AppendRevision(next, newVersion);
        Cache(call, next);
        call.ChangedKeyArns.Add(next.Arn);
        return next;
    }

    /// <summary>Makes a revision the newest one known before it is committed, so the next change under the lock builds on it.</summary>
    private void Cache(KmsCall call, KmsKey revision)
    {
        _keyCache[revision.KeyId] = revision;
        call.CachedKeyIds.Add(revision.KeyId);
    }

    /// <summary>Adds a key version with fresh material to the call's changes. Call with the lock held.</summary>
    private KmsKey Rotate(KmsCall call, KmsKey current, string rotationType, DateTimeOffset? nextRotationDate = null)
    {
        var version = current.CurrentVersion + 1;
        var material = RandomNumberGenerator.GetBytes(32);
        var sealedMaterial = _rootKeys.Seal(material, KeyMaterialAssociatedData(current.Arn, version));
        var saved = Save(call, current with
            {
                CurrentVersion = version,
                OnDemandRotations = current.OnDemandRotations + (rotationType == "ON_DEMAND" ? 1 : 0),
                NextRotationDate = nextRotationDate ?? current.NextRotationDate,
            },
            new KeyVersion(current.KeyId, version, sealedMaterial, _time.GetUtcNow(), rotationType));
        _material[(current.KeyId, version)] = material;
        return saved;
    }

    private void Changed(string keyArn)
    {
        var generation = Interlocked.Increment(ref _generation);
        KeyChanged?.Invoke(this, new KeyChangedEventArgs(keyArn, generation));
    }


    /// <summary>The plaintext material of one version of a key, opened from its sealed form on first use.</summary>
    private byte[]? Material(KmsKey key, int version)
    {
        if (_material.TryGetValue((key.KeyId, version), out var material))
        {
            return material;
        }

        var stored = _keys.FindVersion(key.KeyId, version);
        if (stored is null)
        {
            return null;
        }

        material = _rootKeys.Open(stored.SealedMaterial, KeyMaterialAssociatedData(key.Arn, version));
        _material[(key.KeyId, version)] = material;
        if (Current(key.KeyId) is { State: KeyState.Deleted } or { HasMaterial: false })
        {
            // The key was destroyed (or its imported material deleted) while its material was being read.
            _material.TryRemove((key.KeyId, version), out _);
            return null;
        }

        return material;
    }

    private PolicyDocument Policy(KmsKey key) => _policies.GetOrAdd(key.Policy, PolicyDocument.Parse);

    private static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
