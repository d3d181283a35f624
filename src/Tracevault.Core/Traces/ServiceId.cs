namespace Tracevault.Core.Traces;

/// <summary>A service as X-Ray identifies it (the model's <c>ServiceId</c>): a name, a type and an account.</summary>
/// <remarks>Two ids are equal when their name, type and account are equal; <see cref="Names"/> is derived and not compared.</remarks>
/// <param name="Name">The canonical name: a segment's name, or the resource an inferred service stands for.</param>
/// <param name="Type">The type, e.g. <c>AWS::EC2::Instance</c>, <c>AWS::DynamoDB::Table</c> or <c>remote</c>; <see langword="null"/> when the segment gave no origin.</param>
/// <param name="AccountId">The AWS account, when the documents name one.</param>
public sealed record ServiceId(string Name, string? Type, string? AccountId)
{
    /// <summary>All names of the service, the canonical one included.</summary>
    public IReadOnlyList<string> Names => [Name];

    /// <inheritdoc/>
    public bool Equals(ServiceId? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Type, other.Type, StringComparison.Ordinal)
        && string.Equals(AccountId, other.AccountId, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Type is null ? Name : $"{Name} ({Type})";

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), Type is null ? 0 : StringComparer.Ordinal.GetHashCode(Type), AccountId is null ? 0 : StringComparer.Ordinal.GetHashCode(AccountId));
}
