namespace Tracevault.Keys.Kms;

/// <summary>The parameters of CreateGrant.</summary>
/// <param name="KeyId">The key, as key id or key ARN.</param>
/// <param name="GranteePrincipal">The principal ARN, or a service principal such as <c>xray.amazonaws.com</c>.</param>
/// <param name="Operations">The operations granted.</param>
public sealed record CreateGrantRequest(string KeyId, string GranteePrincipal, IReadOnlyList<string> Operations)
{
    /// <summary>The principal that may retire the grant.</summary>
    public string? RetiringPrincipal { get; init; }

    /// <summary>Encryption-context constraints.</summary>
    public GrantConstraints? Constraints { get; init; }

    /// <summary>A name that makes creation idempotent.</summary>
    public string? Name { get; init; }

    /// <summary>Grant tokens.</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];
}
