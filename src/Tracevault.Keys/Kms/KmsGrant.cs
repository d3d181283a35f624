namespace Tracevault.Keys.Kms;

/// <summary>A grant: permission for one principal to use one key for some operations, optionally under context constraints.</summary>
/// <param name="GrantId">The grant's id (64 hex characters).</param>
/// <param name="KeyId">The UUID of the key.</param>
/// <param name="KeyArn">The ARN of the key.</param>
/// <param name="Name">The grant's name, for idempotent creation; may be empty.</param>
/// <param name="CreationDate">When it was made.</param>
/// <param name="GranteePrincipal">The principal ARN or service principal allowed.</param>
/// <param name="RetiringPrincipal">The principal that may retire it, or null.</param>
/// <param name="IssuingAccount">The account root ARN of the principal that made it.</param>
/// <param name="Operations">The operations allowed.</param>
/// <param name="Constraints">The context constraints, or null.</param>
public sealed record KmsGrant(
    string GrantId,
    string KeyId,
    string KeyArn,
    string Name,
    DateTimeOffset CreationDate,
    string GranteePrincipal,
    string? RetiringPrincipal,
    string IssuingAccount,
    IReadOnlyList<string> Operations,
    GrantConstraints? Constraints)
{
    private static readonly string[] WithoutContext = ["Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret"];

    /// <summary>Whether the grantee is a service principal such as <c>xray.amazonaws.com</c>.</summary>
    public bool GranteeIsService => !GranteePrincipal.StartsWith("arn:", StringComparison.Ordinal);

    /// <summary>Whether the grant lets its grantee call <paramref name="operation"/> with <paramref name="context"/>.</summary>
    public bool Allows(string operation, IReadOnlyDictionary<string, string> context)
    {
        if (!Operations.Contains(operation, StringComparer.Ordinal))
        {
            return false;
        }

        // Constraints do not apply to operations without an encryption context (asymmetric and HMAC keys' ones among them).
        return operation is "DescribeKey" or "RetireGrant" or "CreateGrant" or "GetPublicKey" || WithoutContext.Contains(operation)
            || Constraints is null || Constraints.AllowContext(context);
    }
}
