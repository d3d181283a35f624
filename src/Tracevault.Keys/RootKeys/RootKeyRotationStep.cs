namespace Tracevault.Keys.RootKeys;

/// <summary>The points between the steps of a root-key rotation; at each, the root keys on disk open everything the store holds.</summary>
public enum RootKeyRotationStep
{
    /// <summary>The new ring (old keys and the new one) is in a temporary file, flushed to disk; the old file is still in place.</summary>
    NewRingWritten,

    /// <summary>The new ring replaced the root key file and the directory was flushed; the store still holds everything under the old keys.</summary>
    NewRingInPlace,

    /// <summary>The store re-sealed everything under the new key in a transaction that is not committed yet.</summary>
    Resealed,

    /// <summary>The store committed the re-seal and records the new key.</summary>
    Committed,
}
