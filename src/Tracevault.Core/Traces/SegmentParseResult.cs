using System.Text;

namespace Tracevault.Core.Traces;

/// <summary>The outcome of <see cref="SegmentDocument.Parse(ReadOnlySpan{byte}, DateTimeOffset)"/>: a header or a rejection.</summary>
public readonly record struct SegmentParseResult
{
    private readonly SegmentHeader _header;

    private SegmentParseResult(SegmentHeader header, SegmentRejection? rejection)
    {
        _header = header;
        Rejection = rejection;
    }

    /// <summary>Whether the document is valid and <see cref="Header"/> may be read.</summary>
    public bool IsValid => Rejection is null;

    /// <summary>The valid document's header; throws <see cref="InvalidOperationException"/> when the document was rejected.</summary>
    public SegmentHeader Header => Rejection is null
        ? _header
        : throw new InvalidOperationException("The segment document was rejected; read Rejection instead.");

    /// <summary>Why the document was rejected, or <see langword="null"/> when it is valid.</summary>
    public SegmentRejection? Rejection { get; }

    /// <summary>A result for a valid document.</summary>
    public static SegmentParseResult Valid(SegmentHeader header) => new(header, null);

    /// <summary>A result for a rejected document.</summary>
    public static SegmentParseResult Rejected(SegmentRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new(default, rejection);
    }

    private bool PrintMembers(StringBuilder builder)
    {
        // Printing reads the header only when there is one, so ToString never throws.
        builder.Append(Rejection is null ? $"Header = {_header}" : $"Rejection = {Rejection}");
        return true;
    }
}
