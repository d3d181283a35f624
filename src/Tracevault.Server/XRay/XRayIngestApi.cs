using System.Text.Json;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.ResourcePolicies;
using Tracevault.Storage;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>X-Ray's write side: <c>PutTraceSegments</c> and <c>PutTelemetryRecords</c>.</summary>
public sealed class XRayIngestApi
{
    /// <summary>The error code of a segment refused because the account's key cannot be used.</summary>
    public const string StoringStoppedErrorCode = "KMSKeyUnusable";

    /// <summary>The error code of a segment not stored because the disk holding the data is full (sending it again later stores it).</summary>
    public const string StorageFullErrorCode = "StorageFull";

    private readonly SegmentIntake _intake;
    private readonly ChunkWriter _writer;
    private readonly IngestCounters _counters;
    private readonly ResourcePolicyService _policies;
    private readonly ILogger<XRayIngestApi> _logger;

    /// <summary>Creates the API.</summary>
    public XRayIngestApi(SegmentIntake intake, ChunkWriter writer, IngestCounters counters, ResourcePolicyService policies, ILogger<XRayIngestApi> logger)
    {
        _policies = policies;
        _intake = intake;
        _writer = writer;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .MapIntoAnyAccount(ApiProtocol.XRay, "PutTraceSegments", PutTraceSegmentsAsync)
        .Map(ApiProtocol.XRay, "PutTelemetryRecords", PutTelemetryRecordsAsync);

    private async Task PutTraceSegmentsAsync(ApiRequest request)
    {
        // Segments land in the account the request was sent into, under that account's encryption setting, when its resource policies let the caller.
        var account = request.TargetAccount ?? request.Caller.AccountId;
        _policies.Authorize(request.Caller, account, request.Action);
        var documents = ReadDocuments(request.Body);
        _counters.AddHttpReceived(documents.Count);

        var unprocessed = new List<(string? Id, string ErrorCode, string Message)>();
        var accepted = new List<ChunkSegment>(documents.Count);
        foreach (var document in documents)
        {
            var segment = _intake.Accept(document, out var rejection);
            if (segment is null)
            {
                unprocessed.Add((rejection!.Id, rejection.ErrorCode.ToString(), rejection.Message));
            }
            else
            {
                accepted.Add(segment);
            }
        }

        _counters.AddRejected(unprocessed.Count);
        StoreOutcome outcome;
        try
        {
            outcome = await _writer.StoreAsync(account, accepted, request.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Full } full)
        {
            // Nothing of the write was committed: every segment is answered unprocessed, for the sender to send again.
            LogMessages.IngestDiskFull(_logger, accepted.Count, request.Http.Items[typeof(ApiDispatcher)] as string ?? "", full.Code, full.Reason);
            outcome = StoreOutcome.Stored;
            foreach (var segment in accepted)
            {
                unprocessed.Add((segment.Id, StorageFullErrorCode, "Tracevault could not store this segment: the disk holding its data is full. Send it again once space is freed."));
            }

            accepted.Clear();
        }

        if (outcome.IsStored)
        {
            _counters.AddStored(accepted.Count);
        }
        else
        {
            _counters.AddDroppedStoringStopped(accepted.Count);
            foreach (var segment in accepted)
            {
                unprocessed.Add((segment.Id, StoringStoppedErrorCode, outcome.Stopped!.Message));
            }
        }

        foreach (var (_, errorCode, _) in unprocessed)
        {
            _counters.AddUnprocessed(errorCode);
        }

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("UnprocessedTraceSegments");
            foreach (var (id, errorCode, message) in unprocessed)
            {
                writer.WriteStartObject();
                if (id is not null)
                {
                    writer.WriteString("Id", id);
                }

                writer.WriteString("ErrorCode", errorCode);
                writer.WriteString("Message", message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task PutTelemetryRecordsAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        if (!root.TryGetProperty("TelemetryRecords", out var records) || records.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException("InvalidRequestException", "TelemetryRecords is required and must be a list.");
        }

        // Nothing of the records is kept, but they are refused as X-Ray refuses them: the model's shapes and lengths.
        foreach (var record in records.EnumerateArray())
        {
            CheckTelemetryRecord(record);
        }

        CheckOptionalString(root, "EC2InstanceId", 20);
        CheckOptionalString(root, "Hostname", 255);
        CheckOptionalString(root, "ResourceARN", 500);
        await ApiResponses.WriteEmptyAsync(request).ConfigureAwait(false);
    }

    private static void CheckTelemetryRecord(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new ApiException("InvalidRequestException", "Each entry of TelemetryRecords must be an object.");
        }

        if (!record.TryGetProperty("Timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.Number)
        {
            throw new ApiException("InvalidRequestException", "Each telemetry record needs a Timestamp, as epoch seconds.");
        }

        foreach (var count in new[] { "SegmentsReceivedCount", "SegmentsSentCount", "SegmentsSpilloverCount", "SegmentsRejectedCount" })
        {
            CheckOptionalInteger(record, count);
        }

        if (record.TryGetProperty("BackendConnectionErrors", out var errors) && errors.ValueKind != JsonValueKind.Null)
        {
            if (errors.ValueKind != JsonValueKind.Object)
            {
                throw new ApiException("InvalidRequestException", "BackendConnectionErrors must be an object.");
            }

            foreach (var count in new[] { "TimeoutCount", "ConnectionRefusedCount", "HTTPCode4XXCount", "HTTPCode5XXCount", "UnknownHostCount", "OtherCount" })
            {
                CheckOptionalInteger(errors, count);
            }
        }
    }

    private static void CheckOptionalInteger(JsonElement parent, string member)
    {
        if (parent.TryGetProperty(member, out var element) && element.ValueKind != JsonValueKind.Null
            && (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out _)))
        {
            throw new ApiException("InvalidRequestException", $"{member} must be a whole number.");
        }
    }

    private static void CheckOptionalString(JsonElement parent, string member, int maxLength)
    {
        if (parent.TryGetProperty(member, out var element) && element.ValueKind != JsonValueKind.Null
            && (element.ValueKind != JsonValueKind.String || element.GetString()!.Length > maxLength))
        {
            throw new ApiException("InvalidRequestException", $"{member} must be a string of at most {maxLength} characters.");
        }
    }

    /// <summary>Reads <c>TraceSegmentDocuments</c> as the UTF-8 bytes of each document, unescaped, without building a DOM.</summary>
    /// <remarks>The documents are unescaped one after another into a single array the size of the body (unescaping never lengthens
    /// a string), not into an array each.</remarks>
    private static List<ReadOnlyMemory<byte>> ReadDocuments(ReadOnlyMemory<byte> body)
    {
        var documents = new List<ReadOnlyMemory<byte>>();
        byte[]? unescaped = null;
        var used = 0;
        var reader = new Utf8JsonReader(body.Span);
        var found = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("TraceSegmentDocuments"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            found = true;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new ApiException("InvalidRequestException", "TraceSegmentDocuments must be a list of strings.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new ApiException("InvalidRequestException", "Each entry of TraceSegmentDocuments must be a string holding one segment document.");
                }

                unescaped ??= new byte[body.Length];
                var written = reader.CopyString(unescaped.AsSpan(used));
                documents.Add(unescaped.AsMemory(used, written));
                used += written;
            }
        }

        if (!found)
        {
            throw new ApiException("InvalidRequestException", "TraceSegmentDocuments is required.");
        }

        return documents;
    }
}
