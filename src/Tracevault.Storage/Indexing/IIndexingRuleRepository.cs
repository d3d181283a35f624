namespace Tracevault.Storage.Indexing;

/// <summary>Each account's indexing rules, shared by every node: a rule saved through one opening is seen by every other once the call returns.</summary>
/// <remarks>Thread-safe. A rule is stored only once an account has updated it; until then it is not in the store. Holds no trace data.</remarks>
public interface IIndexingRuleRepository
{
    /// <summary>The account's rule of that name, or null when the account never updated it.</summary>
    Task<StoredIndexingRule?> FindAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>Stores the rule, replacing the account's rule of that name; the last save wins.</summary>
    Task SaveAsync(StoredIndexingRule rule, CancellationToken cancellationToken);
}
