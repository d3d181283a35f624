using System.Globalization;
using Google.Protobuf;

namespace Tracevault.Server.Otlp;

/// <summary>OTLP/HTTP's <c>POST /v1/traces</c>, on the main port and on OTLP's own ports, answered as OTLP specifies in the request's encoding.</summary>
/// <remarks>
/// On OTLP's own ports nothing else is served (gRPC requests go to their service); on the main port every other request
/// passes on to the rest of the pipeline.
/// </remarks>
public sealed class OtlpHttpEndpoint
{
    /// <summary>The path OTLP/HTTP exporters post traces to.</summary>
    public const string TracesPath = "/v1/traces";

    private readonly RequestDelegate _next;
    private readonly OtlpListeners _listeners;
    private readonly OtlpCallers _callers;
    private readonly OtlpIngest _ingest;
    private readonly OtlpCounters _counters;
    private readonly ILogger<OtlpHttpEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public OtlpHttpEndpoint(RequestDelegate next, OtlpListeners listeners, OtlpCallers callers, OtlpIngest ingest, OtlpCounters counters, ILogger<OtlpHttpEndpoint> logger)
    {
        _next = next;
        _listeners = listeners;
        _callers = callers;
        _ingest = ingest;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>Handles one HTTP request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        if (_listeners.IsGrpcPort(port))
        {
            // Routing chose the gRPC method; nothing but gRPC runs on this port, and an export is admitted before gRPC reads it.
            if (context.GetEndpoint()?.RequestDelegate is { } grpc)
            {
                if (!string.Equals(context.Request.Path.Value, OtlpGrpcAdmission.ExportPath, StringComparison.Ordinal)
                    || await OtlpGrpcAdmission.AdmitAsync(context, _callers, _counters).ConfigureAwait(false))
                {
                    await grpc(context).ConfigureAwait(false);
                }
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }

            return;
        }

        var path = context.Request.Path.Value ?? "/";
        string? targetAccount = null;
        if (Http.AccountPath.TrySplit(path, out var account, out var rest) && string.Equals(rest, TracesPath, StringComparison.Ordinal))
        {
            targetAccount = account;
            path = rest;
        }

        if (!string.Equals(path, TracesPath, StringComparison.Ordinal))
        {
            if (_listeners.IsHttpPort(port))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await _next(context).ConfigureAwait(false);
            return;
        }

        await ExportAsync(context, targetAccount).ConfigureAwait(false);
    }

    private async Task ExportAsync(HttpContext context, string? targetAccount)
    {
        var request = context.Request;
        var json = IsJson(request.ContentType);
        try
        {
            if (!HttpMethods.IsPost(request.Method))
            {
                context.Response.Headers.Allow = "POST";
                throw new OtlpRequestException(405, OtlpRequestException.InvalidArgument, $"{request.Method} is not supported: OTLP exports are POSTed.");
            }

            if (!json && !IsProtobuf(request.ContentType))
            {
                throw new OtlpRequestException(415, OtlpRequestException.InvalidArgument,
                    $"Content-Type '{request.ContentType}' is not supported: send application/x-protobuf or application/json.");
            }

            var raw = await OtlpPayload.ReadRawAsync(request, context.RequestAborted).ConfigureAwait(false);
            var caller = _callers.Authenticate(context, raw, targetAccount);
            var body = OtlpPayload.IsGzip(request) ? OtlpPayload.Inflate(raw) : raw;
            var export = json ? OtlpPayload.ParseJson(body) : OtlpPayload.ParseProtobuf(body);
            var response = await _ingest.ExportAsync(targetAccount ?? caller.AccountId, export, context.RequestAborted).ConfigureAwait(false);
            await WriteAsync(context, StatusCodes.Status200OK, response, json).ConfigureAwait(false);
        }
        catch (OtlpRequestException error)
        {
            _counters.AddRefused(error.Refusal);
            if (error.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await WriteAsync(context, error.HttpStatus, new Proto.Rpc.Status { Code = error.RpcCode, Message = error.Message }, json).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The exporter went away; there is no one to answer.
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            LogMessages.OtlpExportFailed(_logger, exception.GetType().Name);
            _counters.AddFailed();
            context.Response.Headers.RetryAfter = "5";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                new Proto.Rpc.Status { Code = OtlpRequestException.Unavailable, Message = "The server could not complete the export; retry later." }, json).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, IMessage message, bool json)
    {
        context.Response.StatusCode = status;
        if (json)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonFormatter.Default.Format(message), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool IsJson(string? contentType) => MediaType(contentType).Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static bool IsProtobuf(string? contentType) =>
        MediaType(contentType) is var type
        && (type.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase) || type.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase));

    private static string MediaType(string? contentType)
    {
        var text = contentType ?? "";
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? text : text[..semicolon]).Trim();
    }
}
