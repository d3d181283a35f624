using System.Buffers;
using System.Globalization;
using System.Text;
using Tracevault.Core.Indexing;
using Tracevault.Core.Traces;
using Tracevault.Server.Otlp.Proto;
using Tracevault.Server.XRay;
using Tracevault.Server.XRay.Indexing;
using Tracevault.Storage;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Otlp;

/// <summary>Stores the spans of one OTLP export as X-Ray segments: X-Ray's OTLP limits, the same validation, encryption and stop-on-unusable-key as <c>PutTraceSegments</c>.</summary>
/// <remarks>Thread-safe. Nothing a span carries is logged or put in an answer but its span id.</remarks>
public sealed class OtlpIngest
{
    /// <summary>The most spans in one request (X-Ray's OTLP endpoint).</summary>
    public const int MaxSpansPerRequest = 10_000;

    /// <summary>The largest span, encoded as protobuf, in bytes (X-Ray's OTLP endpoint: 200 KB).</summary>
    public const int MaxSpanBytes = 200 * 1024;

    /// <summary>The largest request, uncompressed, in bytes (X-Ray's OTLP endpoint: 5 MB).</summary>
    public const int MaxRequestBytes = 5 * 1024 * 1024;

    /// <summary>How far in the past a span may start (X-Ray's OTLP endpoint).</summary>
    public static readonly TimeSpan MaxSpanAge = TimeSpan.FromDays(14);

    /// <summary>How far in the future a span may start (X-Ray's OTLP endpoint).</summary>
    public static readonly TimeSpan MaxSpanSkew = TimeSpan.FromHours(2);

    // A span's document holds its attributes twice (annotations and metadata) and JSON escapes: room for a 200 KB span.
    private static readonly SegmentValidationOptions Validation = new() { MaxTraceIdAge = null, MaxTraceIdSkew = null, MaxDocumentBytes = 1024 * 1024 };

    private readonly ChunkWriter _writer;
    private readonly OtlpCounters _counters;
    private readonly TimeProvider _time;
    private readonly OtlpOptions _options;
    private readonly IndexingRuleService _indexing;
    private readonly ILogger<OtlpIngest> _logger;

    /// <summary>Creates the ingest.</summary>
    public OtlpIngest(ChunkWriter writer, OtlpCounters counters, TimeProvider time, OtlpOptions options, IndexingRuleService indexing, ILogger<OtlpIngest> logger)
    {
        _indexing = indexing;
        _logger = logger;
        _writer = writer;
        _counters = counters;
        _time = time;
        _options = options;
    }

    /// <summary>Stores the spans of <paramref name="request"/> for <paramref name="accountId"/> and says which were rejected and why.</summary>
    /// <exception cref="OtlpRequestException">The request has too many spans (400), or the store could not write (503).</exception>
    public async Task<ExportTraceServiceResponse> ExportAsync(string accountId, ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                count += scopeSpans.Spans.Count;
            }
        }

        if (count > MaxSpansPerRequest)
        {
            throw OtlpRequestException.OverLimit(string.Create(CultureInfo.InvariantCulture, $"The request has {count} spans; at most {MaxSpansPerRequest} are accepted in one request."));
        }

        _counters.AddReceived(count);
        double indexingPercentage;
        try
        {
            // The percentage in force as the spans arrive decides, for good, which of their traces get summaries.
            indexingPercentage = await _indexing.PercentageInForceAsync(accountId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw StoreFailed(exception, count);
        }

        var now = _time.GetUtcNow();
        var rejections = new Rejections();
        var accepted = new List<ChunkSegment>(count);
        var buffer = new ArrayBufferWriter<byte>(4096);
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var serviceName = ServiceName(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    if (Check(span, now) is { } problem)
                    {
                        rejections.Add(problem, span.SpanId);
                        continue;
                    }

                    buffer.ResetWrittenCount();
                    var indexed = TraceIndexing.IsIndexed(span.TraceId.Span, indexingPercentage);
                    SpanSegmentWriter.Write(span, resourceSpans.Resource, scopeSpans.Scope, serviceName, _options.AnnotateAllAttributes, indexed, buffer);
                    var document = buffer.WrittenSpan.ToArray();
                    var result = SegmentDocument.Parse(document, now, Validation);
                    if (!result.IsValid)
                    {
                        rejections.Add($"{result.Rejection!.ErrorCode}: {result.Rejection.Message}", span.SpanId);
                        continue;
                    }

                    var header = result.Header;
                    accepted.Add(new ChunkSegment(header.TraceId, header.Id, header.InProgress, header.StartTime, header.EndTime ?? header.StartTime, document));
                }
            }
        }

        _counters.AddRejectedTooLarge(rejections.TooLarge);
        _counters.AddRejectedInvalid(rejections.Count - rejections.TooLarge);
        StoreOutcome outcome;
        try
        {
            outcome = await _writer.StoreAsync(accountId, accepted, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw StoreFailed(exception, accepted.Count);
        }

        if (outcome.IsStored)
        {
            _counters.AddStored(accepted.Count);
        }
        else
        {
            _counters.AddRejectedStoringStopped(accepted.Count);
            foreach (var segment in accepted)
            {
                rejections.Add($"{XRayIngestApi.StoringStoppedErrorCode}: {outcome.Stopped!.Message}", segment.Id);
            }
        }

        var response = new ExportTraceServiceResponse();
        if (rejections.Count > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejections.Count, ErrorMessage = rejections.Describe() };
        }

        return response;
    }

    /// <summary>Counts and logs <paramref name="spans"/> not stored because the store failed, and the answer that says so (503): nothing was acknowledged, so the exporter keeps the spans and sends them again.</summary>
    private OtlpRequestException StoreFailed(Exception exception, int spans)
    {
        if (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Full } full)
        {
            _counters.AddRejectedStorageFull(spans);
            LogMessages.OtlpDiskFull(_logger, spans, full.Code, full.Reason);
            return new OtlpRequestException(503, OtlpRequestException.Unavailable,
                "Tracevault could not store the spans: the disk holding its data is full; send them again once space is freed.") { RetryAfterSeconds = 5 };
        }

        _counters.AddRejectedUnavailable(spans);
        LogMessages.OtlpStoreFailed(_logger, spans, StorageFailure.Of(exception)?.Code ?? exception.GetType().Name);
        return new OtlpRequestException(503, OtlpRequestException.Unavailable, $"The trace store could not write ({exception.GetType().Name}); retry later.") { RetryAfterSeconds = 5 };
    }

    private static string? ServiceName(Proto.Resource? resource)
    {
        if (resource is null)
        {
            return null;
        }

        foreach (var attribute in resource.Attributes)
        {
            if (attribute.Key == "service.name" && attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue)
            {
                return attribute.Value.StringValue;
            }
        }

        return null;
    }

    /// <summary>What X-Ray's OTLP endpoint refuses in a span before it is mapped, or null.</summary>
    private static string? Check(Span span, DateTimeOffset now)
    {
        if (span.TraceId.Length != 16 || span.TraceId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return "InvalidTraceId: trace_id must be 16 bytes, not all zero";
        }

        if (span.SpanId.Length != 8 || span.SpanId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return "InvalidId: span_id must be 8 bytes, not all zero";
        }

        if (!span.ParentSpanId.IsEmpty && span.ParentSpanId.Length != 8)
        {
            return "InvalidParentId: parent_span_id must be empty or 8 bytes";
        }

        if (span.CalculateSize() > MaxSpanBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{nameof(SegmentErrorCode.SegmentTooLarge)}: the span is more than {MaxSpanBytes / 1024} KB");
        }

        if (span.StartTimeUnixNano == 0)
        {
            return "InvalidStartTime: start_time_unix_nano is missing";
        }

        var start = DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100));
        if (start < now - MaxSpanAge)
        {
            return string.Create(CultureInfo.InvariantCulture, $"InvalidStartTime: the span starts more than {MaxSpanAge.TotalDays} days in the past");
        }

        if (start > now + MaxSpanSkew)
        {
            return string.Create(CultureInfo.InvariantCulture, $"InvalidStartTime: the span starts more than {MaxSpanSkew.TotalHours} hours in the future");
        }

        if (span.EndTimeUnixNano != 0 && span.EndTimeUnixNano < span.StartTimeUnixNano)
        {
            return "InvalidEndTime: end_time_unix_nano is before start_time_unix_nano";
        }

        // A far-future end would date the span's chunk past retention (both sides in ticks since the Unix epoch).
        if (span.EndTimeUnixNano / 100 > (ulong)(now + MaxSpanSkew).ToUnixTimeMilliseconds() * 10_000)
        {
            return string.Create(CultureInfo.InvariantCulture, $"InvalidEndTime: the span ends more than {MaxSpanSkew.TotalHours} hours in the future");
        }

        return null;
    }

    /// <summary>Rejected spans grouped by reason, for one <c>error_message</c>.</summary>
    private sealed class Rejections
    {
        private readonly Dictionary<string, (int Count, string FirstSpanId)> _byReason = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        /// <summary>How many were refused for their size (X-Ray's <c>SegmentTooLarge</c>), counted apart from other invalid spans.</summary>
        public int TooLarge { get; private set; }

        public void Add(string reason, Google.Protobuf.ByteString spanId) => Add(reason, Convert.ToHexStringLower(spanId.Span));

        public void Add(string reason, string spanId)
        {
            Count++;
            if (reason.StartsWith(nameof(SegmentErrorCode.SegmentTooLarge) + ":", StringComparison.Ordinal))
            {
                TooLarge++;
            }

            _byReason[reason] = _byReason.TryGetValue(reason, out var known) ? (known.Count + 1, known.FirstSpanId) : (1, spanId);
        }

        public string Describe()
        {
            var message = new StringBuilder();
            foreach (var (reason, (count, first)) in _byReason)
            {
                if (message.Length > 0)
                {
                    message.Append("; ");
                }

                message.Append(CultureInfo.InvariantCulture, $"{count} span(s) rejected, e.g. span {first}: {reason}");
            }

            return message.ToString();
        }
    }
}
