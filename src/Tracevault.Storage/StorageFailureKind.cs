namespace Tracevault.Storage;

/// <summary>What kind of storage failure an exception reports.</summary>
public enum StorageFailureKind
{
    /// <summary>Another failure of the database.</summary>
    Other,

    /// <summary>The disk (or the database's size limit) is full: writing may work again once space is freed.</summary>
    Full,

    /// <summary>The database file is damaged, or is not a database.</summary>
    Damaged,

    /// <summary>The database cannot be reached or is shutting down, restarting or read-only (a failover): the same request may succeed once it is back, so every caller answers it as retryable.</summary>
    Unavailable,
}
