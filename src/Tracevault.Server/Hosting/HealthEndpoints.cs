using System.Text.Json;

namespace Tracevault.Server.Hosting;

/// <summary><c>GET /health</c> (the process answers) and <c>GET /ready</c> (it can take data), unauthenticated on the main port, for service managers and load balancers.</summary>
public static class HealthEndpoints
{
    /// <summary>Maps the two endpoints; neither says anything about accounts, keys, paths or traces.</summary>
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/health", ["GET", "HEAD"], context => WriteAsync(context, StatusCodes.Status200OK, """{"status":"alive"}"""));
        endpoints.MapMethods("/ready", ["GET", "HEAD"], async context =>
        {
            var report = await context.RequestServices.GetRequiredService<Readiness>().CheckAsync(context.RequestAborted).ConfigureAwait(false);
            var body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["status"] = report.Ready ? "ready" : "not ready",
                ["checks"] = new Dictionary<string, string>
                {
                    ["store"] = report.Store ? "ok" : "failing",
                    ["writable"] = report.Writable ? "ok" : "failing",
                    ["disk"] = report.Disk ? "ok" : "failing",
                },
            });
            await WriteAsync(context, report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, body).ConfigureAwait(false);
        });
    }

    private static Task WriteAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(json, context.RequestAborted);
    }
}
