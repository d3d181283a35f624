using Tracevault.Keys.Kms;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>An in-memory <see cref="IKeyRepository"/> for unit tests of the key service, with the same unit-of-work rules as the database.</summary>
/// <remarks>
/// Writers are serialized from a unit's first change to its end (like an immediate transaction); a unit works on its own copy
/// of the state, which replaces the committed state only together with the audit records appended to <see cref="EphemeralAuditLog"/>.
/// Reads see committed state only. A second unit opened on a thread that holds one fails, where the database would wait on itself.
/// </remarks>
public sealed class EphemeralKeyRepository(EphemeralAuditLog audit) : IKeyRepository
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _writer = new(1, 1);
    private State _state = new([], [], [], []);
    private int _writerThread;
    private long _changeNumber;

    /// <summary>The audit log units commit their records to.</summary>
    internal EphemeralAuditLog Audit => audit;

    public IReadOnlyList<KeyVersion> AllVersions
    {
        get
        {
            lock (_lock)
            {
                return _state.Versions.ToList();
            }
        }
    }

    public IReadOnlyList<KmsKey> Revisions(string keyId)
    {
        lock (_lock)
        {
            return _state.Revisions.Where(r => r.KeyId == keyId).ToList();
        }
    }

    public IKeyChanges BeginChanges()
    {
        if (Volatile.Read(ref _writerThread) == Environment.CurrentManagedThreadId)
        {
            throw new InvalidOperationException("This thread already holds a unit of changes: a second one would wait on the first for ever.");
        }

        _writer.Wait();
        Volatile.Write(ref _writerThread, Environment.CurrentManagedThreadId);
        lock (_lock)
        {
            return new EphemeralKeyChanges(this, _state.Copy());
        }
    }

    public long ReadChangeNumber() => Interlocked.Read(ref _changeNumber);

    public KmsKey? FindKey(string keyId)
    {
        lock (_lock)
        {
            return _state.Revisions.Where(r => r.KeyId == keyId).MaxBy(r => r.Revision);
        }
    }

    public IReadOnlyList<KmsKey> ListKeys(string accountId)
    {
        lock (_lock)
        {
            return _state.Revisions.Where(r => r.AccountId == accountId).GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.Revision)!).ToList();
        }
    }

    public IReadOnlyList<KmsKey> ListKeysPendingDeletion()
    {
        lock (_lock)
        {
            return _state.Revisions.GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.Revision)!).Where(k => k.State == KeyState.PendingDeletion).ToList();
        }
    }

    public IReadOnlyList<KmsKey> ListKeysWithExpiringMaterial()
    {
        lock (_lock)
        {
            return _state.Revisions.GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.Revision)!).Where(k => k.ValidTo is not null).ToList();
        }
    }

    public bool EraseDestroyedMaterial()
    {
        // Nothing outlives a deletion in memory; a busy store (as SQLite with readers in the way) is played by EraseBusy.
        EraseAttempts++;
        return !EraseBusy;
    }

    /// <summary>How many times the key service asked to erase destroyed material.</summary>
    public int EraseAttempts { get; private set; }

    /// <summary>Whether erasing reports that it could not finish now.</summary>
    public bool EraseBusy { get; set; }

    public KeyVersion? FindVersion(string keyId, int version)
    {
        lock (_lock)
        {
            return _state.Versions.SingleOrDefault(v => v.KeyId == keyId && v.Version == version);
        }
    }

    public IReadOnlyList<KeyVersion> ListVersions(string keyId)
    {
        lock (_lock)
        {
            return _state.Versions.Where(v => v.KeyId == keyId).OrderBy(v => v.Version).ToList();
        }
    }

    public KmsAlias? FindAlias(string accountId, string aliasName)
    {
        lock (_lock)
        {
            return _state.Aliases.SingleOrDefault(a => a.AccountId == accountId && a.AliasName == aliasName);
        }
    }

    public IReadOnlyList<KmsAlias> ListAliases(string accountId)
    {
        lock (_lock)
        {
            return _state.Aliases.Where(a => a.AccountId == accountId).OrderBy(a => a.AliasName, StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<KmsGrant> ListGrants(string keyId)
    {
        lock (_lock)
        {
            return _state.Grants.Where(g => g.KeyId == keyId).ToList();
        }
    }

    public IReadOnlyList<KmsGrant> ListGrantsByRetiringPrincipal(string retiringPrincipal)
    {
        lock (_lock)
        {
            return _state.Grants.Where(g => g.RetiringPrincipal == retiringPrincipal).ToList();
        }
    }

    /// <summary>Appends the records and makes the unit's state the committed one, or neither when the append fails.</summary>
    internal void Commit(State changed, Action appendRecords)
    {
        lock (_lock)
        {
            appendRecords();
            _state = changed;
            Interlocked.Increment(ref _changeNumber);
        }
    }

    /// <summary>Ends a unit, committed or not, letting the next writer in.</summary>
    internal void Release()
    {
        Volatile.Write(ref _writerThread, 0);
        _writer.Release();
    }

    /// <summary>What the repository holds; a unit changes its own copy.</summary>
    internal sealed record State(List<KmsKey> Revisions, List<KeyVersion> Versions, List<KmsAlias> Aliases, List<KmsGrant> Grants)
    {
        public State Copy() => new(Revisions.ToList(), Versions.ToList(), Aliases.ToList(), Grants.ToList());
    }
}
