using Tracevault.Core.Traces;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>Validates segment documents as X-Ray does and turns the valid ones into what the chunk writer stores.</summary>
public sealed class SegmentIntake
{
    private readonly TimeProvider _time;
    private readonly SegmentValidationOptions _validation;

    /// <summary>Creates the intake.</summary>
    public SegmentIntake(TimeProvider time, SegmentValidationOptions validation)
    {
        _time = time;
        _validation = validation;
    }

    /// <summary>Validates one document; returns the segment to store, or the reason it was refused.</summary>
    public ChunkSegment? Accept(ReadOnlyMemory<byte> document, out SegmentRejection? rejection)
    {
        var result = SegmentDocument.Parse(document.Span, _time.GetUtcNow(), _validation);
        if (!result.IsValid)
        {
            rejection = result.Rejection;
            return null;
        }

        rejection = null;
        var header = result.Header;
        return new ChunkSegment(header.TraceId, header.Id, header.InProgress, header.StartTime, header.EndTime ?? header.StartTime, document);
    }
}
