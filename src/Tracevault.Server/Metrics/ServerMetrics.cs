using System.Data.Common;
using System.Diagnostics.Metrics;
using Tracevault.Keys.Settings;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.Otlp;
using Tracevault.Server.XRay;
using Tracevault.Storage;

namespace Tracevault.Server.Metrics;

/// <summary>The server's observed instruments: what its counters already count (segments, spans, drops, unprocessed segments), the
/// accounts whose storing is stopped and the database's size, read afresh at every scrape.</summary>
/// <remarks>Created on the host's meter factory, so the instruments and their callbacks end with the host.</remarks>
public sealed class ServerMetrics
{
    /// <summary>Creates the instruments.</summary>
    public ServerMetrics(IMeterFactory meters, IngestCounters ingest, OtlpCounters spans, DataKeyPolicy dataKeys, DataDirectory data)
    {
        var meter = meters.Create(RequestMetrics.MeterName);
        meter.CreateObservableCounter("tracevault.segments.received", () => new[]
        {
            Measure(ingest.HttpReceived, "transport", "http"),
            Measure(ingest.UdpReceived, "transport", "udp"),
        }, "{segment}", "Segment documents received: over HTTP (PutTraceSegments) and over UDP (datagrams, one segment each).");
        meter.CreateObservableCounter("tracevault.segments.stored", () => ingest.Stored, "{segment}", "Segments stored durably.");
        meter.CreateObservableCounter("tracevault.segments.dropped", () => new[]
        {
            Measure(ingest.Rejected, "reason", "invalid"),
            Measure(ingest.DroppedQueueFull, "reason", "queue_full"),
            Measure(ingest.DroppedStoringStopped, "reason", "storing_stopped"),
            Measure(ingest.DroppedMalformed, "reason", "malformed"),
            Measure(ingest.DroppedSourceNotAllowed, "reason", "source_not_allowed"),
        }, "{segment}", "Segments not stored, by reason: invalid document, UDP queue full, key unusable, malformed UDP datagram, UDP sender not allowed.");
        meter.CreateObservableCounter("tracevault.udp.kernel_drops", () => ingest.UdpDroppedByKernel, "{datagram}",
            "UDP datagrams the kernel dropped before the server read them, because the socket's receive buffer was full.");
        meter.CreateObservableCounter("tracevault.xray.unprocessed_segments", () =>
            ingest.UnprocessedByErrorCode.Select(pair => Measure(pair.Value, "error_code", pair.Key)), "{segment}",
            "Segments PutTraceSegments answered in UnprocessedTraceSegments, by ErrorCode.");
        meter.CreateObservableCounter("tracevault.spans.received", () => spans.Received, "{span}", "OpenTelemetry spans received.");
        meter.CreateObservableCounter("tracevault.spans.stored", () => spans.Stored, "{span}", "OpenTelemetry spans stored durably.");
        meter.CreateObservableCounter("tracevault.spans.dropped", () => new[]
        {
            Measure(spans.RejectedInvalid, "reason", "invalid"),
            Measure(spans.RejectedStoringStopped, "reason", "storing_stopped"),
            Measure(spans.RejectedUnavailable, "reason", "unavailable"),
        }, "{span}", "OpenTelemetry spans not stored, by reason: invalid span, key unusable, store unavailable (the client was told to retry).");
        meter.CreateObservableGauge("tracevault.accounts.storing_stopped", () => dataKeys.StoppedAccountCount, "{account}",
            "Accounts whose storing is stopped because their KMS key cannot be used.");
        var storage = data.Storage;
        meter.CreateObservableGauge("tracevault.database.size", () => DatabaseSize(storage), "By",
            "The size of the database: its file and write-ahead log (SQLite), or the database on its server (PostgreSQL).");
    }

    private static Measurement<long> Measure(long value, string tag, string tagValue) => new(value, new KeyValuePair<string, object?>(tag, tagValue));

    /// <summary>The database's size, or no measurement while it cannot answer (a scrape never fails for it).</summary>
    private static IEnumerable<Measurement<long>> DatabaseSize(IStorageBackend storage)
    {
        try
        {
            return [new Measurement<long>(storage.SizeBytes())];
        }
        catch (DbException)
        {
            return [];
        }
    }
}
