using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Groups;

/// <summary>Where X-Ray groups are kept, shared by every node: a change made through one opening is seen by every other at once.</summary>
/// <remarks>Thread-safe. Adding checks the name and the limit and inserts in one transaction, so nodes adding at once never exceed the limit.</remarks>
public interface IGroupRepository
{
    /// <summary>Adds a group unless its account has one of that name, or (for a group with an id) already holds <paramref name="maxGroups"/> groups with ids.</summary>
    GroupAddOutcome TryAdd(TraceGroup group, int maxGroups);

    /// <summary>Finds an account's group by name.</summary>
    TraceGroup? Find(string accountId, string name);

    /// <summary>Lists an account's groups, oldest first.</summary>
    IReadOnlyList<TraceGroup> List(string accountId);

    /// <summary>Replaces the filter expression and insights settings of the group with <paramref name="group"/>'s account, name and id (its tags stay as stored); false when there is none (deleted, or deleted and created again).</summary>
    bool TryReplace(TraceGroup group);

    /// <summary>Changes the tags of the group with that account, name and id, decided against its tags as stored at that moment, so changes made at once through several nodes all apply and never exceed the limit.</summary>
    TagChangeOutcome ChangeTags(string accountId, string name, string id, TagChange change);

    /// <summary>Deletes the group with that account, name and id; false when there is none.</summary>
    bool TryDelete(string accountId, string name, string id);
}
