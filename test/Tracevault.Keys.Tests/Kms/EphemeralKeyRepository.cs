using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>An in-memory <see cref="IKeyRepository"/> for unit tests of the key service.</summary>
public sealed class EphemeralKeyRepository : IKeyRepository
{
    private readonly Lock _lock = new();
    private readonly List<KmsKey> _revisions = [];
    private readonly List<KeyVersion> _versions = [];
    private readonly List<KmsAlias> _aliases = [];
    private readonly List<KmsGrant> _grants = [];

    public IReadOnlyList<KeyVersion> AllVersions
    {
        get
        {
            lock (_lock)
            {
                return _versions.ToList();
            }
        }
    }

    public IReadOnlyList<KmsKey> Revisions(string keyId)
    {
        lock (_lock)
        {
            return _revisions.Where(r => r.KeyId == keyId).ToList();
        }
    }

    public void AddKey(KmsKey key, KeyVersion firstVersion)
    {
        lock (_lock)
        {
            _revisions.Add(key);
            _versions.Add(firstVersion);
        }
    }

    public void AppendRevision(KmsKey key, KeyVersion? newVersion)
    {
        lock (_lock)
        {
            Assert.DoesNotContain(_revisions, r => r.KeyId == key.KeyId && r.Revision == key.Revision);
            _revisions.Add(key);
            if (newVersion is not null)
            {
                _versions.Add(newVersion);
            }
        }
    }

    public void DestroyKey(KmsKey deleted)
    {
        lock (_lock)
        {
            _revisions.Add(deleted);
            _versions.RemoveAll(v => v.KeyId == deleted.KeyId);
            _grants.RemoveAll(g => g.KeyId == deleted.KeyId);
            _aliases.RemoveAll(a => a.TargetKeyId == deleted.KeyId);
        }
    }

    public KmsKey? FindKey(string keyId)
    {
        lock (_lock)
        {
            return _revisions.Where(r => r.KeyId == keyId).MaxBy(r => r.Revision);
        }
    }

    public IReadOnlyList<KmsKey> ListKeys(string accountId)
    {
        lock (_lock)
        {
            return _revisions.Where(r => r.AccountId == accountId).GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.Revision)!).ToList();
        }
    }

    public IReadOnlyList<KmsKey> ListKeysPendingDeletion()
    {
        lock (_lock)
        {
            return _revisions.GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.Revision)!).Where(k => k.State == KeyState.PendingDeletion).ToList();
        }
    }

    public KeyVersion? FindVersion(string keyId, int version)
    {
        lock (_lock)
        {
            return _versions.SingleOrDefault(v => v.KeyId == keyId && v.Version == version);
        }
    }

    public IReadOnlyList<KeyVersion> ListVersions(string keyId)
    {
        lock (_lock)
        {
            return _versions.Where(v => v.KeyId == keyId).OrderBy(v => v.Version).ToList();
        }
    }

    public bool TryAddAlias(KmsAlias alias)
    {
        lock (_lock)
        {
            if (_aliases.Any(a => a.AccountId == alias.AccountId && a.AliasName == alias.AliasName))
            {
                return false;
            }

            _aliases.Add(alias);
            return true;
        }
    }

    public void UpdateAlias(KmsAlias alias)
    {
        lock (_lock)
        {
            _aliases.RemoveAll(a => a.AccountId == alias.AccountId && a.AliasName == alias.AliasName);
            _aliases.Add(alias);
        }
    }

    public bool DeleteAlias(string accountId, string aliasName)
    {
        lock (_lock)
        {
            return _aliases.RemoveAll(a => a.AccountId == accountId && a.AliasName == aliasName) > 0;
        }
    }

    public KmsAlias? FindAlias(string accountId, string aliasName)
    {
        lock (_lock)
        {
            return _aliases.SingleOrDefault(a => a.AccountId == accountId && a.AliasName == aliasName);
        }
    }

    public IReadOnlyList<KmsAlias> ListAliases(string accountId)
    {
        lock (_lock)
        {
            return _aliases.Where(a => a.AccountId == accountId).OrderBy(a => a.AliasName, StringComparer.Ordinal).ToList();
        }
    }

    public void AddGrant(KmsGrant grant)
    {
        lock (_lock)
        {
            _grants.Add(grant);
        }
    }

    public IReadOnlyList<KmsGrant> ListGrants(string keyId)
    {
        lock (_lock)
        {
            return _grants.Where(g => g.KeyId == keyId).ToList();
        }
    }

    public bool DeleteGrant(string keyId, string grantId)
    {
        lock (_lock)
        {
            return _grants.RemoveAll(g => g.KeyId == keyId && g.GrantId == grantId) > 0;
        }
    }
}
