using Tracevault.Core.Sampling;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Tags of groups and sampling rules: changed in place, durable, seen by every opening, and never over the limit however many nodes tag at once.</summary>
public abstract class ResourceTagContract : StorageContract
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void ChangeTags_Group_SetsReplacesAndRemovesAsAnotherOpeningReads()
    {
        var node = Backend.OpenGroupRepository();
        node.TryAdd(Group("orders", "A1") with { Tags = [Tag("team", "a"), Tag("stage", "prod")] }, 25);

        var set = new TagChange([Tag("owner", "Ünïcode"), Tag("team", "b")], [], 50);
        Assert.Equal(TagChangeOutcome.Changed, Backend.OpenGroupRepository().ChangeTags(Account, "orders", "A1", set));
        Assert.Equal([Tag("team", "b"), Tag("stage", "prod"), Tag("owner", "Ünïcode")], node.Find(Account, "orders")!.Tags);

        var remove = new TagChange([], ["stage", "never-there"], 50);
        Assert.Equal(TagChangeOutcome.Changed, node.ChangeTags(Account, "orders", "A1", remove));
        Assert.Equal([Tag("team", "b"), Tag("owner", "Ünïcode")], Backend.OpenGroupRepository().Find(Account, "orders")!.Tags);
    }

    [Fact]
    public void ChangeTags_GroupGoneOrCreatedAgain_IsNotFoundAndChangesNothing()
    {
        var node = Backend.OpenGroupRepository();
        node.TryAdd(Group("orders", "NEW"), 25);
        var change = new TagChange([Tag("team", "a")], [], 50);

        Assert.Equal(TagChangeOutcome.NotFound, node.ChangeTags(Account, "orders", "OLD", change));
        Assert.Equal(TagChangeOutcome.NotFound, node.ChangeTags(Account, "missing", "NEW", change));
        Assert.Equal(TagChangeOutcome.NotFound, node.ChangeTags("999988887777", "orders", "NEW", change));
        Assert.Empty(node.Find(Account, "orders")!.Tags);
    }

    [Fact]
    public void ChangeTags_GroupBeyondTheLimit_IsRefusedAndChangesNothing()
    {
        var node = Backend.OpenGroupRepository();
        node.TryAdd(Group("orders", "A1") with { Tags = [Tag("a", "1"), Tag("b", "2")] }, 25);

        Assert.Equal(TagChangeOutcome.TooManyTags, node.ChangeTags(Account, "orders", "A1", new TagChange([Tag("c", "3")], [], 2)));
        // Replacing a value or removing as many as are added stays within it.
        Assert.Equal(TagChangeOutcome.Changed, node.ChangeTags(Account, "orders", "A1", new TagChange([Tag("b", "two"), Tag("c", "3")], ["a"], 2)));
        Assert.Equal([Tag("b", "two"), Tag("c", "3")], node.Find(Account, "orders")!.Tags);
    }

    [Fact]
    public void ChangeTags_GroupManyNodesAtOnce_EveryChangeLandsAndNoneExceedsTheLimit()
    {
        var openings = Enumerable.Range(0, 4).Select(_ => Backend.OpenGroupRepository()).ToArray();
        openings[0].TryAdd(Group("orders", "A1"), 25);
        var outcomes = RunAtOnce(16, i => openings[i % openings.Length].ChangeTags(Account, "orders", "A1", new TagChange([Tag($"k{i}", "v")], [], 10)));

        Assert.Equal(10, outcomes.Count(o => o == TagChangeOutcome.Changed));
        Assert.Equal(6, outcomes.Count(o => o == TagChangeOutcome.TooManyTags));
        Assert.Equal(10, Backend.OpenGroupRepository().Find(Account, "orders")!.Tags.Count);
    }

    [Fact]
    public async Task ChangeTagsAsync_SamplingRule_SetsReplacesAndRemovesAndLeavesTheRuleAlone()
    {
        var node = Backend.OpenSamplingRules();
        var stored = new StoredSamplingRule(Account, Rule("checkout"), T0, T0.AddSeconds(1), [Tag("team", "a")]);
        await node.CreateAsync(stored, 25, None);
        var changedBefore = await node.LastChangeAsync(Account, None);

        var change = new TagChange([Tag("owner", "Ünïcode"), Tag("team", "b")], [], 50);
        Assert.Equal(TagChangeOutcome.Changed, await Backend.OpenSamplingRules().ChangeTagsAsync(Account, "checkout", change, None));
        var read = await node.FindAsync(Account, "checkout", None);
        Assert.Equal([Tag("team", "b"), Tag("owner", "Ünïcode")], read!.Tags);
        Assert.Equal((stored.Rule.Name, stored.Rule.FixedRate, stored.ModifiedAt), (read.Rule.Name, read.Rule.FixedRate, read.ModifiedAt));
        Assert.Equal(changedBefore, await node.LastChangeAsync(Account, None));

        Assert.Equal(TagChangeOutcome.Changed, await node.ChangeTagsAsync(Account, "checkout", new TagChange([], ["team"], 50), None));
        Assert.Equal([Tag("owner", "Ünïcode")], (await Backend.OpenSamplingRules().FindAsync(Account, "checkout", None))!.Tags);

        // An update of the rule's definition keeps the tags as they are now.
        Assert.True(await node.UpdateAsync(stored with { Rule = stored.Rule with { FixedRate = 0.5 } }, None));
        Assert.Equal([Tag("owner", "Ünïcode")], (await node.FindAsync(Account, "checkout", None))!.Tags);
    }

    [Fact]
    public async Task ChangeTagsAsync_SamplingRuleMissingOrOverTheLimit_ChangesNothing()
    {
        var node = Backend.OpenSamplingRules();
        await node.CreateAsync(new StoredSamplingRule(Account, Rule("checkout"), T0, T0, [Tag("a", "1")]), 25, None);

        Assert.Equal(TagChangeOutcome.NotFound, await node.ChangeTagsAsync(Account, "missing", new TagChange([Tag("b", "2")], [], 50), None));
        Assert.Equal(TagChangeOutcome.NotFound, await node.ChangeTagsAsync("999988887777", "checkout", new TagChange([Tag("b", "2")], [], 50), None));
        Assert.Equal(TagChangeOutcome.TooManyTags, await node.ChangeTagsAsync(Account, "checkout", new TagChange([Tag("b", "2")], [], 1), None));
        Assert.Equal([Tag("a", "1")], (await node.FindAsync(Account, "checkout", None))!.Tags);

        await node.DeleteAsync(Account, "checkout", T0, None);
        await node.CreateAsync(new StoredSamplingRule(Account, Rule("checkout"), T0, T0, []), 25, None);
        Assert.Empty((await node.FindAsync(Account, "checkout", None))!.Tags);
    }

    [Fact]
    public async Task ChangeTagsAsync_SamplingRuleManyNodesAtOnce_EveryChangeLandsAndNoneExceedsTheLimit()
    {
        var openings = Enumerable.Range(0, 4).Select(_ => Backend.OpenSamplingRules()).ToArray();
        await openings[0].CreateAsync(new StoredSamplingRule(Account, Rule("checkout"), T0, T0, []), 25, None);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var changes = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await openings[i % openings.Length].ChangeTagsAsync(Account, "checkout", new TagChange([Tag($"k{i}", "v")], [], 10), None);
        })).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(changes);

        Assert.Equal(10, outcomes.Count(o => o == TagChangeOutcome.Changed));
        Assert.Equal(6, outcomes.Count(o => o == TagChangeOutcome.TooManyTags));
        Assert.Equal(10, (await Backend.OpenSamplingRules().FindAsync(Account, "checkout", None))!.Tags.Count);
    }

    private static TagChangeOutcome[] RunAtOnce(int count, Func<int, TagChangeOutcome> change)
    {
        var outcomes = new TagChangeOutcome[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            outcomes[i] = change(i);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return outcomes;
    }

    private static KeyValuePair<string, string> Tag(string key, string value) => KeyValuePair.Create(key, value);

    private static TraceGroup Group(string name, string id) => new(Account, name, id, null, false, false, [], T0);

    private static SamplingRule Rule(string name) =>
        new(name, "*", 5, 0.1, 2, "checkout-svc", "AWS::EC2::Instance", "shop.example", "POST", "/api/*", 1, new Dictionary<string, string>(), null);
}
