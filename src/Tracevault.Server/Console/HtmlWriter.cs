using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Tracevault.Server.Console;

/// <summary>Accumulates a page's HTML; interpolated holes and <see cref="Text"/> are encoded, only <see cref="TrustedHtml"/> is not.</summary>
public sealed class HtmlWriter
{
    internal StringBuilder Builder { get; } = new(4096);

    /// <summary>Appends markup with encoded holes, e.g. <c>html.Append($"&lt;td&gt;{name}&lt;/td&gt;")</c>.</summary>
    public HtmlWriter Append([InterpolatedStringHandlerArgument("")] HtmlInterpolationHandler handler)
    {
        _ = handler;
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public HtmlWriter Text(string? text)
    {
        Encode(Builder, text);
        return this;
    }

    /// <summary>Appends markup the console built.</summary>
    public HtmlWriter Raw(TrustedHtml markup)
    {
        Builder.Append(markup.Markup);
        return this;
    }

    /// <summary>The markup written so far.</summary>
    public TrustedHtml ToHtml() => new(Builder.ToString());

    /// <inheritdoc/>
    public override string ToString() => Builder.ToString();

    /// <summary>Encodes a value for an HTML text node or a double-quoted attribute.</summary>
    public static string Encode(string? text) => text is null ? string.Empty : HtmlEncoder.Default.Encode(text);

    internal static void Encode(StringBuilder builder, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            builder.Append(HtmlEncoder.Default.Encode(text));
        }
    }
}
