namespace Tracevault.Server.Console;

/// <summary>Markup the console built itself, written into a page as is; every other value is HTML-encoded.</summary>
/// <param name="Markup">The HTML text.</param>
public readonly record struct TrustedHtml(string Markup)
{
    /// <summary>No markup.</summary>
    public static TrustedHtml Empty { get; } = new(string.Empty);

    /// <inheritdoc/>
    public override string ToString() => Markup;
}
