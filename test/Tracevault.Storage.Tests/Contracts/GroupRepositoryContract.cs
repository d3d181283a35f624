using Tracevault.Storage.Groups;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>X-Ray groups: kept as given, seen by every opening at once, names unique and the limit held however many nodes add at once.</summary>
public abstract class GroupRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Created = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryAdd_Group_IsFoundAndListedByAnotherOpening()
    {
        var node = Backend.OpenGroupRepository();
        var checkout = Group("checkout-faults", "A1") with
        {
            FilterExpression = """service("checkout") { fault }""",
            InsightsEnabled = true,
            NotificationsEnabled = true,
            Tags = [KeyValuePair.Create("team", "a"), KeyValuePair.Create("Ünïcode", "")],
        };
        var everything = Group("everything", "B2") with { CreatedAt = Created.AddSeconds(1) };

        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(everything, maxGroups: 25));
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(checkout, maxGroups: 25));

        var other = Backend.OpenGroupRepository();
        AssertSame(checkout, other.Find(Account, "checkout-faults"));
        Assert.Null(other.Find(Account, "Checkout-Faults"));
        Assert.Null(other.Find("999988887777", "checkout-faults"));
        var listed = other.List(Account);
        Assert.Equal(["checkout-faults", "everything"], listed.Select(g => g.Name));
        AssertSame(everything, listed[1]);
        Assert.Empty(other.List("999988887777"));
    }

    [Fact]
    public void TryAdd_NameTakenInTheAccount_IsRefused()
    {
        var node = Backend.OpenGroupRepository();
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("g", "A1"), 25));

        Assert.Equal(GroupAddOutcome.NameTaken, Backend.OpenGroupRepository().TryAdd(Group("g", "A2") with { FilterExpression = "fault" }, 25));
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("g", "A3") with { AccountId = "999988887777" }, 25));
        Assert.Equal("A1", node.Find(Account, "g")!.Id);
    }

    [Fact]
    public void TryAdd_AtTheLimit_IsRefusedButTheDefaultGroupDoesNotCount()
    {
        var node = Backend.OpenGroupRepository();
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("Default", string.Empty) with { InsightsEnabled = true }, 2));
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("one", "A1"), 2));
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("two", "A2"), 2));

        Assert.Equal(GroupAddOutcome.LimitReached, node.TryAdd(Group("three", "A3"), 2));
        Assert.Equal(GroupAddOutcome.Added, node.TryAdd(Group("three", "A3") with { AccountId = "999988887777" }, 2));
        Assert.Null(node.Find(Account, "three"));
    }

    [Fact]
    public void TryAdd_ManyNodesAtOnce_NeverExceedTheLimit()
    {
        var openings = Enumerable.Range(0, 4).Select(_ => Backend.OpenGroupRepository()).ToArray();
        foreach (var opening in openings)
        {
            opening.List(Account); // warm every opening, so the adds below start together
        }

        const int Adders = 16;
        var outcomes = new GroupAddOutcome[Adders];
        using var start = new Barrier(Adders);
        var threads = Enumerable.Range(0, Adders).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            outcomes[i] = openings[i % openings.Length].TryAdd(Group($"g{i}", $"ID{i}"), maxGroups: 5);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(5, outcomes.Count(o => o == GroupAddOutcome.Added));
        Assert.Equal(Adders - 5, outcomes.Count(o => o == GroupAddOutcome.LimitReached));
        Assert.Equal(5, Backend.OpenGroupRepository().List(Account).Count);
    }

    [Fact]
    public void TryReplace_SameId_ChangesWhatAnotherOpeningReadsButNotTheTags()
    {
        var node = Backend.OpenGroupRepository();
        node.TryAdd(Group("g", "A1") with { FilterExpression = "fault", Tags = [KeyValuePair.Create("team", "a")] }, 25);
        var changed = Group("g", "A1") with { FilterExpression = null, InsightsEnabled = true, Tags = [KeyValuePair.Create("k", "v")] };

        Assert.True(Backend.OpenGroupRepository().TryReplace(changed));

        // Tags change only through ChangeTags: an update read before a TagResource never undoes it.
        AssertSame(changed with { Tags = [KeyValuePair.Create("team", "a")] }, node.Find(Account, "g"));
    }

    [Fact]
    public void TryReplaceAndTryDelete_GroupCreatedAgainUnderANewId_LeaveTheNewOneAlone()
    {
        var node = Backend.OpenGroupRepository();
        node.TryAdd(Group("g", "OLD"), 25);
        Assert.False(node.TryDelete(Account, "g", "OTHER"));
        Assert.True(node.TryDelete(Account, "g", "OLD"));
        Assert.Null(node.Find(Account, "g"));
        node.TryAdd(Group("g", "NEW") with { FilterExpression = "error" }, 25);

        Assert.False(node.TryReplace(Group("g", "OLD") with { FilterExpression = "fault" }));
        Assert.False(node.TryDelete(Account, "g", "OLD"));

        Assert.Equal(("NEW", "error"), (node.Find(Account, "g")!.Id, node.Find(Account, "g")!.FilterExpression));
        Assert.False(node.TryDelete(Account, "missing", "NEW"));
    }

    private static TraceGroup Group(string name, string id) => new(Account, name, id, null, false, false, [], Created);

    private static void AssertSame(TraceGroup expected, TraceGroup? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Tags = [] }, actual with { Tags = [] });
        Assert.Equal(expected.Tags, actual.Tags);
    }
}
