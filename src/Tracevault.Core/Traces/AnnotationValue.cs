using System.Globalization;

namespace Tracevault.Core.Traces;

/// <summary>The value of an annotation: exactly one of a number, a Boolean or a string (the model's <c>AnnotationValue</c>).</summary>
public sealed record AnnotationValue
{
    private AnnotationValue(double? numberValue, bool? booleanValue, string? stringValue)
    {
        NumberValue = numberValue;
        BooleanValue = booleanValue;
        StringValue = stringValue;
    }

    /// <summary>The value when the annotation is a number.</summary>
    public double? NumberValue { get; }

    /// <summary>The value when the annotation is a Boolean.</summary>
    public bool? BooleanValue { get; }

    /// <summary>The value when the annotation is a string.</summary>
    public string? StringValue { get; }

    /// <summary>A number annotation.</summary>
    public static AnnotationValue FromNumber(double value) => new(value, null, null);

    /// <summary>A Boolean annotation.</summary>
    public static AnnotationValue FromBoolean(bool value) => new(null, value, null);

    /// <summary>A string annotation.</summary>
    public static AnnotationValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(null, null, value);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        StringValue ?? BooleanValue?.ToString() ?? NumberValue?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
