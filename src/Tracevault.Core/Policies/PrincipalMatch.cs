namespace Tracevault.Core.Policies;

/// <summary>How a Principal element matched a caller.</summary>
internal enum PrincipalMatch
{
    /// <summary>The element does not name the caller.</summary>
    None,

    /// <summary>The element names only the caller's account (its root ARN or bare account id).</summary>
    Account,

    /// <summary>The element names the caller itself: its exact ARN, its service name, or "*".</summary>
    Principal,
}
