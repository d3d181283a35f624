namespace Tracevault.Storage.Sampling;

/// <summary>What became of a request to create a sampling rule.</summary>
public enum SamplingRuleCreation
{
    /// <summary>The rule was created.</summary>
    Created,

    /// <summary>The account has a rule of that name already; nothing changed.</summary>
    NameTaken,

    /// <summary>The account has as many rules as it may; nothing changed.</summary>
    LimitReached,
}
