using Grpc.Core;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Otlp;

/// <summary>OTLP/gRPC's <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c>, bound by <see cref="OtlpGrpcMethods"/>.</summary>
/// <remarks>Its caller was admitted by <see cref="OtlpGrpcAdmission"/> on an OTLP/gRPC port (SigV4 metadata or loopback); a call that
/// reached it any other way has no caller and is refused.</remarks>
internal sealed class OtlpGrpcService(OtlpIngest ingest, OtlpCounters counters, ILogger<OtlpGrpcService> logger)
{
    /// <summary>Stores the spans of one export.</summary>
    public async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        var caller = OtlpGrpcAdmission.CallerOf(context.GetHttpContext())
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "OTLP/gRPC exports are taken on the OTLP/gRPC port only."));
        try
        {
            return await ingest.ExportAsync(caller.AccountId, request, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OtlpRequestException error)
        {
            counters.AddRefused(error.Refusal);
            var metadata = new Metadata();
            if (error.RetryAfterSeconds is { } seconds)
            {
                // OTLP/gRPC's retry hint is google.rpc.RetryInfo; UNAVAILABLE alone already makes exporters retry with backoff.
                metadata.Add("retry-after", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            throw new RpcException(new Grpc.Core.Status((StatusCode)error.RpcCode, error.Message), metadata);
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or RpcException))
        {
            LogMessages.OtlpExportFailed(logger, exception.GetType().Name);
            counters.AddFailed();
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "The server could not complete the export; retry later."));
        }
    }
}
