using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Tests.Audit;

/// <summary>An in-memory <see cref="IAuditLog"/> for unit tests: keeps the records appended, chained under a key as the real one does.</summary>
public sealed class EphemeralAuditLog : IAuditLog
{
    private readonly Lock _lock = new();
    private readonly AuditChain _chain = new(RootKeyRing.CreateNew());
    private readonly List<(long Sequence, AuditEvent Event, byte[] Link)> _records = [];
    private readonly List<KeyUsageIncrement> _usage = [];

    /// <summary>When set, every append fails as a full disk or a lost process would, before anything is written.</summary>
    public bool FailAppends { get; set; }

    public IReadOnlyList<AuditEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _records.Select(r => r.Event).ToList();
            }
        }
    }

    public void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        lock (_lock)
        {
            if (FailAppends)
            {
                throw new IOException("The audit record could not be written.");
            }

            foreach (var record in events)
            {
                var previous = _records.Count == 0 ? AuditChain.Genesis : _records[^1].Link;
                var sequence = _records.Count + 1;
                _records.Add((sequence, record, _chain.Link(_chain.CurrentKeyId, previous, sequence, record)));
            }

            if (usage is not null)
            {
                _usage.Add(usage);
            }
        }
    }

    public AuditPage Lookup(AuditQuery query) => throw new NotSupportedException();

    public KeyLastUse? FindKeyLastUse(string keyArn)
    {
        lock (_lock)
        {
            return _usage.SelectMany(u => u.LastUses).LastOrDefault(u => u.KeyArn == keyArn);
        }
    }

    public AuditVerification Verify()
    {
        lock (_lock)
        {
            var previous = AuditChain.Genesis;
            foreach (var (sequence, record, link) in _records)
            {
                if (!_chain.Link(_chain.CurrentKeyId, previous, sequence, record).AsSpan().SequenceEqual(link))
                {
                    return new AuditVerification(false, sequence - 1, null, record.EventId, "broken");
                }

                previous = link;
            }

            return new AuditVerification(true, _records.Count, _records.Count == 0 ? null : _records[^1].Event.EventTime, null, null);
        }
    }

    public IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month)
    {
        lock (_lock)
        {
            return _usage.Where(u => u.AccountId == accountId && (month is null || u.Month == month))
                .GroupBy(u => (u.KeyArn, u.Month, u.Operation))
                .Select(g => new KeyUsage(g.Key.KeyArn, g.Key.Month, g.Key.Operation, g.Count()))
                .ToList();
        }
    }
}
