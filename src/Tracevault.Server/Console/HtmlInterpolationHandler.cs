using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tracevault.Server.Console;

/// <summary>Builds HTML from an interpolated string: the literal parts are markup, every hole is HTML-encoded unless it is <see cref="TrustedHtml"/>.</summary>
/// <remarks>This is what keeps the console free of injection: a value cannot reach a page without passing through here or <see cref="HtmlWriter.Text"/>.</remarks>
[InterpolatedStringHandler]
public readonly ref struct HtmlInterpolationHandler
{
    private readonly StringBuilder _builder;

    /// <summary>Starts appending to <paramref name="writer"/>.</summary>
    public HtmlInterpolationHandler(int literalLength, int formattedCount, HtmlWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _ = formattedCount;
        _builder = writer.Builder;
        _builder.EnsureCapacity(_builder.Length + literalLength);
    }

    /// <summary>Appends markup written in the source.</summary>
    public void AppendLiteral(string value) => _builder.Append(value);

    /// <summary>Appends markup the console built.</summary>
    public void AppendFormatted(TrustedHtml value) => _builder.Append(value.Markup);

    /// <summary>Appends a text value, encoded.</summary>
    public void AppendFormatted(string? value) => HtmlWriter.Encode(_builder, value);

    /// <summary>Appends a formattable value in the invariant culture, encoded.</summary>
    public void AppendFormatted<T>(T value, string? format = null)
        where T : IFormattable => HtmlWriter.Encode(_builder, value.ToString(format, CultureInfo.InvariantCulture));
}
