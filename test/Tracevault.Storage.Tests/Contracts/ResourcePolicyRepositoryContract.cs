using Tracevault.Storage.ResourcePolicies;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>X-Ray resource policies: kept as given, seen by every opening at once, revisions compared and the limit held however many nodes write at once.</summary>
public abstract class ResourcePolicyRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private const string Document = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"xray:PutTraceSegments","Resource":"*"}]}""";
    private static readonly DateTimeOffset At = new(2026, 12, 5, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Put_NewPolicy_IsRevisionOneAndListedByAnotherOpening()
    {
        var node = Backend.OpenResourcePolicyRepository();

        var (outcome, policy) = node.Put(Account, "send-b", Document, null, At, 5);
        node.Put(Account, "Alpha", "{\"x\": \"Ünïcode\"}", null, At.AddSeconds(1), 5);

        Assert.Equal(ResourcePolicyWriteOutcome.Done, outcome);
        Assert.Equal(new XRayResourcePolicy(Account, "send-b", Document, 1, At), policy);
        var listed = Backend.OpenResourcePolicyRepository().List(Account);
        Assert.Equal(["Alpha", "send-b"], listed.Select(p => p.Name));
        Assert.Equal(policy, listed[1]);
        Assert.Equal("{\"x\": \"Ünïcode\"}", listed[0].Document);
        Assert.Empty(node.List("999988887777"));
    }

    [Fact]
    public void Put_ExistingPolicy_ReplacesItWithTheNextRevision()
    {
        var node = Backend.OpenResourcePolicyRepository();
        node.Put(Account, "p", Document, null, At, 5);

        var (outcome, policy) = Backend.OpenResourcePolicyRepository().Put(Account, "p", "{}", 1, At.AddMinutes(1), 5);
        var third = node.Put(Account, "p", "{ }", null, At.AddMinutes(2), 5).Policy;

        Assert.Equal(ResourcePolicyWriteOutcome.Done, outcome);
        Assert.Equal(2, policy!.Revision);
        Assert.Equal(3, third!.Revision);
        Assert.Equal(new XRayResourcePolicy(Account, "p", "{ }", 3, At.AddMinutes(2)), Assert.Single(node.List(Account)));
    }

    [Fact]
    public void Put_RevisionThatIsNotTheStoredOne_IsRefusedAndChangesNothing()
    {
        var node = Backend.OpenResourcePolicyRepository();
        Assert.Equal(ResourcePolicyWriteOutcome.RevisionMismatch, node.Put(Account, "p", Document, 1, At, 5).Outcome);
        Assert.Equal(ResourcePolicyWriteOutcome.Done, node.Put(Account, "p", Document, 0, At, 5).Outcome);

        Assert.Equal(ResourcePolicyWriteOutcome.RevisionMismatch, node.Put(Account, "p", "{}", 0, At, 5).Outcome);
        Assert.Equal(ResourcePolicyWriteOutcome.RevisionMismatch, node.Put(Account, "p", "{}", 2, At, 5).Outcome);

        Assert.Equal(Document, Assert.Single(node.List(Account)).Document);
    }

    [Fact]
    public void Put_NewPolicyAtTheLimit_IsRefusedButAChangeIsNot()
    {
        var node = Backend.OpenResourcePolicyRepository();
        node.Put(Account, "one", Document, null, At, 2);
        node.Put(Account, "two", Document, null, At, 2);

        Assert.Equal(ResourcePolicyWriteOutcome.LimitReached, node.Put(Account, "three", Document, null, At, 2).Outcome);
        Assert.Equal(ResourcePolicyWriteOutcome.Done, node.Put(Account, "two", "{}", null, At, 2).Outcome);
        Assert.Equal(ResourcePolicyWriteOutcome.Done, node.Put("999988887777", "three", Document, null, At, 2).Outcome);
        Assert.Equal(["one", "two"], node.List(Account).Select(p => p.Name));
    }

    [Fact]
    public void Put_ManyNodesAtOnce_NeverExceedTheLimitNorShareARevision()
    {
        var openings = Enumerable.Range(0, 4).Select(_ => Backend.OpenResourcePolicyRepository()).ToArray();
        foreach (var opening in openings)
        {
            opening.List(Account); // warm every opening, so the writes below start together
        }

        const int Writers = 12;
        var outcomes = new ResourcePolicyWriteOutcome[Writers];
        var changes = new ResourcePolicyWriteOutcome[Writers];
        using var start = new Barrier(Writers);
        var threads = Enumerable.Range(0, Writers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            outcomes[i] = openings[i % openings.Length].Put(Account, $"p{i}", Document, null, At, 5).Outcome;
            changes[i] = openings[i % openings.Length].Put("999988887777", "shared", Document, 0, At, 5).Outcome;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(5, outcomes.Count(o => o == ResourcePolicyWriteOutcome.Done));
        Assert.Equal(Writers - 5, outcomes.Count(o => o == ResourcePolicyWriteOutcome.LimitReached));
        Assert.Equal(1, changes.Count(o => o == ResourcePolicyWriteOutcome.Done));
        Assert.Equal(5, Backend.OpenResourcePolicyRepository().List(Account).Count);
    }

    [Fact]
    public void Delete_WithAndWithoutRevision_DeletesOnlyTheExpectedOne()
    {
        var node = Backend.OpenResourcePolicyRepository();
        node.Put(Account, "p", Document, null, At, 5);
        node.Put(Account, "p", Document, null, At, 5);

        Assert.Equal(ResourcePolicyWriteOutcome.RevisionMismatch, node.Delete(Account, "p", 1));
        Assert.Single(node.List(Account));
        Assert.Equal(ResourcePolicyWriteOutcome.Done, Backend.OpenResourcePolicyRepository().Delete(Account, "p", 2));
        Assert.Empty(node.List(Account));

        Assert.Equal(ResourcePolicyWriteOutcome.Done, node.Delete(Account, "p", null));
        Assert.Equal(ResourcePolicyWriteOutcome.RevisionMismatch, node.Delete(Account, "p", 2));
        Assert.Equal(1, node.Put(Account, "p", Document, 0, At, 5).Policy!.Revision);
    }
}
