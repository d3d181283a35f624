using Tracevault.Storage.Indexing;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Indexing rules: absent until saved, kept per account and name, seen by every opening at once, the last save winning.</summary>
public abstract class IndexingRuleRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Modified = new(2026, 12, 5, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public async Task FindAsync_NeverSaved_IsNull()
    {
        Assert.Null(await Backend.OpenIndexingRules().FindAsync(Account, "Default", CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_Rule_IsFoundByAnotherOpeningAsSaved()
    {
        await Backend.OpenIndexingRules().SaveAsync(new StoredIndexingRule(Account, "Default", 12.5, Modified), CancellationToken.None);

        var other = Backend.OpenIndexingRules();
        Assert.Equal(new StoredIndexingRule(Account, "Default", 12.5, Modified), await other.FindAsync(Account, "Default", CancellationToken.None));
        Assert.Null(await other.FindAsync("999988887777", "Default", CancellationToken.None));
        Assert.Null(await other.FindAsync(Account, "default", CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_Again_ReplacesTheRuleForEveryOpening()
    {
        var node1 = Backend.OpenIndexingRules();
        var node2 = Backend.OpenIndexingRules();
        await node1.SaveAsync(new StoredIndexingRule(Account, "Default", 0, Modified), CancellationToken.None);
        await node2.SaveAsync(new StoredIndexingRule("999988887777", "Default", 100, Modified), CancellationToken.None);

        await node2.SaveAsync(new StoredIndexingRule(Account, "Default", 0.001, Modified.AddSeconds(5)), CancellationToken.None);

        Assert.Equal(new StoredIndexingRule(Account, "Default", 0.001, Modified.AddSeconds(5)), await node1.FindAsync(Account, "Default", CancellationToken.None));
        Assert.Equal(100, (await node1.FindAsync("999988887777", "Default", CancellationToken.None))!.DesiredSamplingPercentage);
    }
}
