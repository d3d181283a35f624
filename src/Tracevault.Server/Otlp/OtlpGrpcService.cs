using Grpc.Core;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Otlp;

/// <summary>OTLP/gRPC's <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c>.</summary>
/// <remarks>Unsigned exports are taken from loopback only; a signed one is refused, since a SigV4 signature covers an HTTP body
/// gRPC framing does not expose: remote senders post to <c>/v1/traces</c> over HTTP.</remarks>
internal sealed class OtlpGrpcService(OtlpCallers callers, OtlpIngest ingest) : TraceService.TraceServiceBase
{
    /// <inheritdoc />
    public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !System.Net.IPAddress.IsLoopback(remote))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated,
                "OTLP/gRPC exports are accepted from this machine only; from elsewhere, POST SigV4-signed (service xray) exports to /v1/traces."));
        }

        var caller = callers.Local(remote, http.Request.Headers.UserAgent.ToString());
        try
        {
            return await ingest.ExportAsync(caller.AccountId, request, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OtlpRequestException error)
        {
            var metadata = new Metadata();
            if (error.RetryAfterSeconds is { } seconds)
            {
                // OTLP/gRPC's retry hint is google.rpc.RetryInfo; UNAVAILABLE alone already makes exporters retry with backoff.
                metadata.Add("retry-after", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            throw new RpcException(new Grpc.Core.Status((StatusCode)error.RpcCode, error.Message), metadata);
        }
    }
}
