namespace Tracevault.Core.Traces;

/// <summary>A service as X-Ray identifies it (the model's <c>ServiceId</c>): a name, a type and an account.</summary>
/// <remarks>Two ids are equal when their name, type and account are equal; <see cref="Names"/> is derived and not compared.</remarks>
/// <param name="Name">The canonical name: a segment's name, or the resource an inferred service stands for.</param>
/// <param name="Type">The type, e.g. <c>AWS::EC2::Instance</c>, <c>AWS::DynamoDB::Table</c> or <c>remote</c>; <see langword="null"/> when the segment gave no origin.</param>
/// <param name="AccountId">The AWS account, when the documents name one.</param>
public sealed record ServiceId(string Name, string? Type, string? AccountId)
{
    // The hash of the names, found once (0 until then): services are looked up by the million (a range's map meets each one
    // thousands of times), and hashing three strings each time was most of what a map cost. Setting a name forgets it.
    private int _hashCode;

    /// <summary>The canonical name: a segment's name, or the resource an inferred service stands for.</summary>
    public string Name { get; init { field = value; _hashCode = 0; } } = Name;

    /// <summary>The type, e.g. <c>AWS::EC2::Instance</c>; <see langword="null"/> when the segment gave no origin.</summary>
    public string? Type { get; init { field = value; _hashCode = 0; } } = Type;

    /// <summary>The AWS account, when the documents name one.</summary>
    public string? AccountId { get; init { field = value; _hashCode = 0; } } = AccountId;

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
    public override int GetHashCode()
    {
        var hashCode = _hashCode;
        if (hashCode == 0)
        {
            hashCode = HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), Type is null ? 0 : StringComparer.Ordinal.GetHashCode(Type), AccountId is null ? 0 : StringComparer.Ordinal.GetHashCode(AccountId));
            _hashCode = hashCode == 0 ? 1 : hashCode;
        }

        return _hashCode;
    }
}
