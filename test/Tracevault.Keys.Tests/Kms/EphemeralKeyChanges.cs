using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>One unit of changes to an <see cref="EphemeralKeyRepository"/>: applied to a copy, committed with the audit records or dropped.</summary>
internal sealed class EphemeralKeyChanges(EphemeralKeyRepository repository, EphemeralKeyRepository.State state) : IKeyChanges
{
    private bool _ended;

    public void AddKey(KmsKey key, KeyVersion? firstVersion)
    {
        Assert.DoesNotContain(state.Revisions, r => r.KeyId == key.KeyId);
        state.Revisions.Add(key);
        if (firstVersion is not null)
        {
            state.Versions.Add(firstVersion);
        }
    }

    public void AppendRevision(KmsKey key, KeyVersion? newVersion)
    {
        Assert.DoesNotContain(state.Revisions, r => r.KeyId == key.KeyId && r.Revision == key.Revision);
        state.Revisions.Add(key);
        if (newVersion is not null)
        {
            state.Versions.Add(newVersion);
        }
    }

    public void DestroyKey(KmsKey deleted)
    {
        state.Revisions.Add(deleted);
        state.Versions.RemoveAll(v => v.KeyId == deleted.KeyId);
        state.Grants.RemoveAll(g => g.KeyId == deleted.KeyId);
        state.Aliases.RemoveAll(a => a.TargetKeyId == deleted.KeyId);
    }

    public void DeleteMaterial(KmsKey withoutMaterial)
    {
        state.Revisions.Add(withoutMaterial);
        state.Versions.RemoveAll(v => v.KeyId == withoutMaterial.KeyId);
    }

    public bool TryAddAlias(KmsAlias alias)
    {
        if (state.Aliases.Any(a => a.AccountId == alias.AccountId && a.AliasName == alias.AliasName))
        {
            return false;
        }

        state.Aliases.Add(alias);
        return true;
    }

    public void UpdateAlias(KmsAlias alias)
    {
        state.Aliases.RemoveAll(a => a.AccountId == alias.AccountId && a.AliasName == alias.AliasName);
        state.Aliases.Add(alias);
    }

    public bool DeleteAlias(string accountId, string aliasName) => state.Aliases.RemoveAll(a => a.AccountId == accountId && a.AliasName == aliasName) > 0;

    public void AddGrant(KmsGrant grant) => state.Grants.Add(grant);

    public bool DeleteGrant(string keyId, string grantId) => state.Grants.RemoveAll(g => g.KeyId == keyId && g.GrantId == grantId) > 0;

    public void Commit(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        Assert.False(_ended, "a unit is committed once");
        Assert.NotEmpty(events);
        repository.Commit(state, () => repository.Audit.Append(events, usage));
        End();
    }

    public void Dispose() => End();

    private void End()
    {
        if (!_ended)
        {
            _ended = true;
            repository.Release();
        }
    }
}
