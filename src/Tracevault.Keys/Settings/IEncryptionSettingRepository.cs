namespace Tracevault.Keys.Settings;

/// <summary>Where encryption settings, their acknowledgements by nodes, wrapped data keys and storing status are kept, shared by every node.</summary>
public interface IEncryptionSettingRepository
{
    /// <summary>Appends a new version of an account's setting (with its external grant, if any); false when that version exists already (a concurrent change won).</summary>
    bool TryAppend(EncryptionSetting setting);

    /// <summary>The newest setting of an account, or null when it never chose.</summary>
    EncryptionSetting? FindCurrent(string accountId);

    /// <summary>The newest setting of every account that ever chose.</summary>
    IReadOnlyList<EncryptionSetting> ListCurrent();

    /// <summary>Records that a node applies a setting version.</summary>
    void Acknowledge(string accountId, int version, string nodeId, DateTimeOffset at);

    /// <summary>The nodes that acknowledged a setting version.</summary>
    IReadOnlySet<string> AcknowledgedBy(string accountId, int version);

    /// <summary>Records that a node is alive.</summary>
    void Heartbeat(string nodeId, DateTimeOffset at);

    /// <summary>The nodes seen alive since <paramref name="since"/>.</summary>
    IReadOnlySet<string> LiveNodes(DateTimeOffset since);

    /// <summary>Stores a wrapped data key (<paramref name="external"/>: wrapped by a key of the external key service) and returns it with its id.</summary>
    WrappedDataKey AddDataKey(string accountId, string keyArn, byte[] ciphertextBlob, DateTimeOffset createdAt, bool external);

    /// <summary>Finds a wrapped data key by id.</summary>
    WrappedDataKey? FindDataKey(long id);

    /// <summary>Records that an account's blind index holds entries made with a KMS key's index key; recording it again changes nothing.</summary>
    void AddIndexedKey(string accountId, string keyArn, DateTimeOffset at);

    /// <summary>The KMS keys an account's blind index holds entries of, oldest first.</summary>
    IReadOnlyList<string> ListIndexedKeys(string accountId);

    /// <summary>Sets or clears (null) an account's storing status.</summary>
    void SetStoringStatus(string accountId, StoringStatus? status);

    /// <summary>The account's storing status, or null while storing works.</summary>
    StoringStatus? FindStoringStatus(string accountId);
}
