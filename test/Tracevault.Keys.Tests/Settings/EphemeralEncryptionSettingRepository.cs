using Tracevault.Keys.Settings;

namespace Tracevault.Keys.Tests.Settings;

/// <summary>An in-memory <see cref="IEncryptionSettingRepository"/> for unit tests of the policy: settings, wrapped data keys and storing status.</summary>
public sealed class EphemeralEncryptionSettingRepository : IEncryptionSettingRepository
{
    private readonly Lock _lock = new();
    private readonly List<EncryptionSetting> _settings = [];
    private readonly List<WrappedDataKey> _dataKeys = [];
    private readonly List<(string AccountId, string KeyArn)> _indexedKeys = [];
    private readonly Dictionary<string, StoringStatus> _status = new(StringComparer.Ordinal);
    private readonly HashSet<(string Account, int Version, string Node)> _acknowledged = [];
    private readonly Dictionary<string, DateTimeOffset> _heartbeats = new(StringComparer.Ordinal);

    /// <summary>The wrapped data keys stored so far, oldest first.</summary>
    public IReadOnlyList<WrappedDataKey> DataKeys
    {
        get
        {
            lock (_lock)
            {
                return _dataKeys.ToList();
            }
        }
    }

    public void AddIndexedKey(string accountId, string keyArn, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (!_indexedKeys.Contains((accountId, keyArn)))
            {
                _indexedKeys.Add((accountId, keyArn));
            }
        }
    }

    public IReadOnlyList<string> ListIndexedKeys(string accountId)
    {
        lock (_lock)
        {
            return _indexedKeys.Where(k => k.AccountId == accountId).Select(k => k.KeyArn).ToList();
        }
    }

    public bool TryAppend(EncryptionSetting setting)
    {
        lock (_lock)
        {
            if (_settings.Any(s => s.AccountId == setting.AccountId && s.Version == setting.Version))
            {
                return false;
            }

            _settings.Add(setting);
            return true;
        }
    }

    public EncryptionSetting? FindCurrent(string accountId)
    {
        lock (_lock)
        {
            return _settings.Where(s => s.AccountId == accountId).MaxBy(s => s.Version);
        }
    }

    public IReadOnlyList<EncryptionSetting> ListCurrent()
    {
        lock (_lock)
        {
            return _settings.GroupBy(s => s.AccountId).Select(g => g.MaxBy(s => s.Version)!).ToList();
        }
    }

    public void Acknowledge(string accountId, int version, string nodeId, DateTimeOffset at)
    {
        lock (_lock)
        {
            _acknowledged.Add((accountId, version, nodeId));
        }
    }

    public IReadOnlySet<string> AcknowledgedBy(string accountId, int version)
    {
        lock (_lock)
        {
            return _acknowledged.Where(a => a.Account == accountId && a.Version == version).Select(a => a.Node).ToHashSet(StringComparer.Ordinal);
        }
    }

    public void Heartbeat(string nodeId, DateTimeOffset at)
    {
        lock (_lock)
        {
            _heartbeats[nodeId] = at;
        }
    }

    public IReadOnlySet<string> LiveNodes(DateTimeOffset since)
    {
        lock (_lock)
        {
            return _heartbeats.Where(h => h.Value >= since).Select(h => h.Key).ToHashSet(StringComparer.Ordinal);
        }
    }

    public WrappedDataKey AddDataKey(string accountId, string keyArn, byte[] ciphertextBlob, DateTimeOffset createdAt, bool external)
    {
        lock (_lock)
        {
            var key = new WrappedDataKey(_dataKeys.Count + 1, accountId, keyArn, ciphertextBlob, createdAt, external);
            _dataKeys.Add(key);
            return key;
        }
    }

    public WrappedDataKey? FindDataKey(long id)
    {
        lock (_lock)
        {
            return _dataKeys.FirstOrDefault(k => k.Id == id);
        }
    }

    public void SetStoringStatus(string accountId, StoringStatus? status)
    {
        lock (_lock)
        {
            if (status is null)
            {
                _status.Remove(accountId);
            }
            else
            {
                _status[accountId] = status;
            }
        }
    }

    public StoringStatus? FindStoringStatus(string accountId)
    {
        lock (_lock)
        {
            return _status.TryGetValue(accountId, out var status) ? status : null;
        }
    }
}
