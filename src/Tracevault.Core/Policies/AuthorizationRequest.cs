namespace Tracevault.Core.Policies;

/// <summary>What a caller asks to do, in the terms a policy evaluation needs.</summary>
/// <param name="PrincipalArn">The caller's ARN, such as <c>arn:aws:iam::123456789012:user/alice</c>, or a service principal name such as <c>xray.amazonaws.com</c> when <see cref="PrincipalIsService"/> is set.</param>
/// <param name="PrincipalAccount">The caller's 12-digit account id, or an empty string for a service principal.</param>
/// <param name="Action">The action asked for, such as <c>kms:Encrypt</c> or <c>xray:PutTraceSegments</c>.</param>
/// <param name="Resource">The ARN of the resource acted on, or <c>*</c> for actions without a resource.</param>
/// <param name="Context">The condition keys of the request and their values; keys are compared case-insensitively.</param>
/// <remarks>
/// A <see cref="Dictionary{TKey, TValue}"/> built with <see cref="StringComparer.OrdinalIgnoreCase"/> is the cheapest
/// <paramref name="Context"/>: a key it lacks is known missing at once, where any other dictionary is also scanned.
/// A key with an empty list of values counts as missing.
/// </remarks>
public sealed record AuthorizationRequest(
    string PrincipalArn,
    string PrincipalAccount,
    string Action,
    string Resource,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Context)
{
    /// <summary>Whether the caller is an AWS service principal, named by <see cref="PrincipalArn"/>.</summary>
    public bool PrincipalIsService { get; init; }
}
