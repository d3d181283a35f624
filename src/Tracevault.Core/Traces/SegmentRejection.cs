namespace Tracevault.Core.Traces;

/// <summary>A segment document that was not stored, in the shape of the wire's <c>UnprocessedTraceSegment</c>.</summary>
/// <param name="Id">The document's <c>id</c> as sent, or <see langword="null"/> when it could not be read.</param>
/// <param name="ErrorCode">Why the document was rejected; its name is the wire <c>ErrorCode</c>.</param>
/// <param name="Message">An X-Ray style message, e.g. <c>Invalid segment. ErrorCode: InvalidTraceId, Cause: …</c>.</param>
public sealed record SegmentRejection(string? Id, SegmentErrorCode ErrorCode, string Message);
