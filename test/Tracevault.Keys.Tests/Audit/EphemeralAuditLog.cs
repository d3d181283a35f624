using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Tests.Audit;

/// <summary>An in-memory <see cref="IAuditLog"/> for unit tests: keeps the records appended, chained as the real one does.</summary>
public sealed class EphemeralAuditLog : IAuditLog
{
    private readonly Lock _lock = new();
    private readonly List<(long Sequence, AuditEvent Event, byte[] Hash)> _records = [];
    private readonly List<KeyUsageIncrement> _usage = [];

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
            foreach (var record in events)
            {
                var previous = _records.Count == 0 ? AuditChain.Genesis : _records[^1].Hash;
                var sequence = _records.Count + 1;
                _records.Add((sequence, record, AuditChain.Hash(previous, sequence, record)));
            }

            if (usage is not null)
            {
                _usage.Add(usage);
            }
        }
    }

    public AuditPage Lookup(AuditQuery query) => throw new NotSupportedException();

    public AuditVerification Verify() => throw new NotSupportedException();

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
