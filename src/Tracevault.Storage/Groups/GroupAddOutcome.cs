namespace Tracevault.Storage.Groups;

/// <summary>What <see cref="IGroupRepository.TryAdd"/> did.</summary>
public enum GroupAddOutcome
{
    /// <summary>The group was added.</summary>
    Added,

    /// <summary>The account has a group of that name already.</summary>
    NameTaken,

    /// <summary>The account holds as many groups as it may.</summary>
    LimitReached,
}
