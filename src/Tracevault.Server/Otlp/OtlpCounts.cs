namespace Tracevault.Server.Otlp;

/// <summary>The OTLP ingest counters at one moment, for the stop line and metrics.</summary>
/// <remarks>Spans are counted once decoded: <see cref="Received"/> equals <see cref="Stored"/> plus the five span rejections once
/// every export in flight is answered. Requests refused whole (before their spans could be counted) are counted by reason.</remarks>
/// <param name="Received">Spans received in exports that were decoded and within the request limits.</param>
/// <param name="Stored">Spans stored durably.</param>
/// <param name="RejectedInvalid">Spans refused for their content: ids, times, or a document X-Ray's validation refuses.</param>
/// <param name="RejectedTooLarge">Spans refused for being over 200 KB.</param>
/// <param name="RejectedStoringStopped">Spans not stored because the account's key could not be used.</param>
/// <param name="RejectedStorageFull">Spans not stored because the disk holding the data is full; the client was told to retry.</param>
/// <param name="RejectedUnavailable">Spans not stored because the store could not write for another reason; the client was told to retry.</param>
/// <param name="RequestsMalformed">Exports refused as unreadable (400, INVALID_ARGUMENT).</param>
/// <param name="RequestsOverLimit">Exports refused for a request limit: size, inflated size, span count (400, INVALID_ARGUMENT).</param>
/// <param name="RequestsUnauthenticated">Exports refused for want of a valid signature (401, UNAUTHENTICATED).</param>
/// <param name="RequestsPermissionDenied">Exports refused because the signer may not put trace segments (403, PERMISSION_DENIED).</param>
/// <param name="RequestsFailed">Exports that failed unexpectedly (503).</param>
public sealed record OtlpCounts(
    long Received,
    long Stored,
    long RejectedInvalid,
    long RejectedTooLarge,
    long RejectedStoringStopped,
    long RejectedStorageFull,
    long RejectedUnavailable,
    long RequestsMalformed,
    long RequestsOverLimit,
    long RequestsUnauthenticated,
    long RequestsPermissionDenied,
    long RequestsFailed);
