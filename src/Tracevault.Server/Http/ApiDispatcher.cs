using System.Globalization;
using System.Text.Json;
using Tracevault.Core;
using Tracevault.Server.Auth;
using Tracevault.Server.Hosting;
using Tracevault.Storage;

namespace Tracevault.Server.Http;

/// <summary>The front door of the HTTP port: routes each API request, enforces size limits, verifies its signature and runs its operation.</summary>
public sealed class ApiDispatcher
{
    // Bodies larger than the limit are read and thrown away up to this size, so the client sees the error instead of a reset.
    private const long DrainLimitBytes = 64L * 1024 * 1024;

    private readonly RequestDelegate _next;
    private readonly ApiRouter _router;
    private readonly RequestAuthenticator _authenticator;
    private readonly ServerOptions _options;
    private readonly ILogger<ApiDispatcher> _logger;
    private readonly RequestMetrics _metrics;
    private readonly TimeProvider _time;

    /// <summary>Creates the dispatcher.</summary>
    public ApiDispatcher(RequestDelegate next, ApiRouter router, RequestAuthenticator authenticator, ServerOptions options, RequestMetrics metrics, TimeProvider time, ILogger<ApiDispatcher> logger)
    {
        _metrics = metrics;
        _time = time;
        _next = next;
        _router = router;
        _authenticator = authenticator;
        _options = options;
        _logger = logger;
    }

    /// <summary>Handles one HTTP request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = Ids.NewUuid();
        context.Items[typeof(ApiDispatcher)] = requestId;
        context.Response.OnStarting(static state =>
        {
            var (http, id) = ((HttpContext, string))state;
            http.Response.Headers["x-amzn-RequestId"] = id;
            http.Response.Headers.Date = DateTimeOffset.FromUnixTimeSeconds(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds()).ToString("r", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, (context, requestId));

        var route = ApiRoute.Find(context.Request);
        if (route is null)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        var started = _time.GetTimestamp();
        try
        {
            await HandleAsync(context, route, requestId).ConfigureAwait(false);
        }
        finally
        {
            var operation = _router.TryFind(route.Protocol, route.Operation, out _) ? route.Operation : RequestMetrics.UnknownOperation;
            _metrics.Record(route.Protocol, operation, context.Response.StatusCode, _time.GetElapsedTime(started));
        }
    }

    private async Task HandleAsync(HttpContext context, ApiRoute route, string requestId)
    {
        try
        {
            await DispatchAsync(context, route).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            if (!context.Response.HasStarted)
            {
                await ErrorResponses.WriteAsync(context, route.Protocol, error).ConfigureAwait(false);
            }
        }
        catch (JsonException exception)
        {
            // Operations read their bodies in one pass; a body that is not JSON surfaces here, not as a fault.
            if (!context.Response.HasStarted)
            {
                await ErrorResponses.WriteAsync(context, route.Protocol, new ApiException(ErrorResponses.SerializationCode(route.Protocol), $"The request body is not valid JSON: {exception.Message}")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception exception) when (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Full } full)
        {
            // Nothing was acknowledged; a 5xx the SDKs retry, since the same request succeeds once space is freed.
            LogMessages.OperationDiskFull(_logger, route.Operation, requestId, full.Code, full.Reason);
            if (!context.Response.HasStarted)
            {
                var code = route.Protocol == ApiProtocol.Kms ? "KMSInternalException" : "ServiceUnavailableException";
                await ErrorResponses.WriteAsync(context, route.Protocol, new ApiException(code, $"The server's disk is full; nothing of this request was stored. Retry later (request id {requestId}).", 503)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Unavailable } unavailable)
        {
            // The database is down, restarting or failing over: nothing was acknowledged, and a 503 is what every SDK retries.
            LogMessages.OperationStoreUnavailable(_logger, route.Operation, requestId, unavailable.Code, unavailable.Reason);
            if (!context.Response.HasStarted)
            {
                var code = route.Protocol == ApiProtocol.Kms ? "DependencyTimeoutException" : "ServiceUnavailableException";
                await ErrorResponses.WriteAsync(context, route.Protocol, new ApiException(code, $"The server's database cannot be reached; nothing of this request was stored. Retry later (request id {requestId}).", 503)).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            if (StorageFailure.Of(exception) is { } failure)
            {
                LogMessages.OperationFailedInStorage(_logger, route.Operation, requestId, failure.Code, failure.Reason);
            }
            else
            {
                LogMessages.OperationFailed(_logger, route.Operation, requestId, exception.GetType().Name);
            }

            if (!context.Response.HasStarted)
            {
                var code = route.Protocol == ApiProtocol.Kms ? "KMSInternalException" : route.Protocol == ApiProtocol.XRay ? "InternalFailure" : "InternalFailure";
                await ErrorResponses.WriteAsync(context, route.Protocol, new ApiException(code, $"The server could not complete the request (request id {requestId}).", 500)).ConfigureAwait(false);
            }
        }
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            throw new ApiException("UnknownOperationException", $"{request.Method} is not supported: every API operation is a POST.", 404);
        }

        var headerBytes = 0;
        foreach (var header in request.Headers)
        {
            headerBytes += header.Key.Length + header.Value.ToString().Length + 4;
        }

        if (headerBytes > _options.MaxRequestHeaderBytes)
        {
            throw new ApiException(ErrorResponses.ValidationCode(route.Protocol), $"The request's headers are {headerBytes} bytes; at most {_options.MaxRequestHeaderBytes} are accepted.", 431);
        }

        var body = await ReadBodyAsync(context, route).ConfigureAwait(false);
        var caller = _authenticator.Authenticate(context, route, body.Span);

        if (!route.Known || !_router.TryFind(route.Protocol, route.Operation, out var handler))
        {
            var action = ApiRequest.ActionPrefix(route.Protocol) + route.Operation;
            if (route.Known)
            {
                // Authorization comes first, so a caller learns nothing it may not ask.
                ApiRequest.AuthorizeByIdentity(caller, route.Protocol, action, "*");
            }

            throw new ApiException("UnknownOperationException", route.Known
                ? $"Tracevault does not implement the {route.Operation} operation yet."
                : $"'{route.Operation}' is not an operation of this service.", route.Protocol == ApiProtocol.XRay ? 404 : 400);
        }

        // Every protocol here carries JSON. Checked once, whole, so no operation meets bytes that are not UTF-8, an escaped
        // unpaired surrogate or nesting past 64 levels halfway through reading (they throw there, and answered 500).
        if (!body.IsEmpty && WellFormedJson.FindProblem(body.Span) is { } problem)
        {
            throw new ApiException(ErrorResponses.SerializationCode(route.Protocol), $"The request body is not valid JSON: {problem}.");
        }

        if (route.TargetAccount is not null && !_router.AcceptsTargetAccount(route.Protocol, route.Operation))
        {
            throw new ApiException(ErrorResponses.ValidationCode(route.Protocol),
                $"{route.Operation} acts on the caller's own account: only PutTraceSegments may be sent into another account's path ({AccountPath.Prefix}ACCOUNT/...).");
        }

        await handler(new ApiRequest(context, route.Protocol, route.Operation, caller, body) { TargetAccount = route.TargetAccount }).ConfigureAwait(false);
    }

    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, ApiRoute route)
    {
        var request = context.Request;
        var limit = _options.MaxRequestBodyBytes;
        if (request.ContentLength is > DrainLimitBytes)
        {
            throw new ApiException(ErrorResponses.ValidationCode(route.Protocol), $"The request body is {request.ContentLength} bytes; at most {limit} are accepted.", 413);
        }

        var buffer = new MemoryStream(request.ContentLength is { } length && length <= limit ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total <= limit)
            {
                buffer.Write(chunk, 0, read);
            }
            else if (total > DrainLimitBytes)
            {
                break;
            }
        }

        if (total > limit)
        {
            throw new ApiException(ErrorResponses.ValidationCode(route.Protocol), $"The request body is {total} bytes or more; at most {limit} are accepted.", 413);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
