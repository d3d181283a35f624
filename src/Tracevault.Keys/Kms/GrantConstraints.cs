namespace Tracevault.Keys.Kms;

/// <summary>The encryption-context conditions of a grant.</summary>
/// <param name="EncryptionContextEquals">The request's context must equal this one exactly.</param>
/// <param name="EncryptionContextSubset">The request's context must contain these pairs.</param>
public sealed record GrantConstraints(IReadOnlyDictionary<string, string>? EncryptionContextEquals, IReadOnlyDictionary<string, string>? EncryptionContextSubset)
{
    /// <summary>Whether an operation's encryption context satisfies the constraints.</summary>
    public bool AllowContext(IReadOnlyDictionary<string, string> context)
    {
        if (EncryptionContextEquals is not null
            && (EncryptionContextEquals.Count != context.Count || EncryptionContextEquals.Any(pair => !context.TryGetValue(pair.Key, out var value) || value != pair.Value)))
        {
            return false;
        }

        return EncryptionContextSubset is null || EncryptionContextSubset.All(pair => context.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }
}
