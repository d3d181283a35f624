namespace Tracevault.Server.Console;

/// <summary>The web console's pages.</summary>
public static class ConsolePages
{
    /// <summary>Maps the console's routes.</summary>
    public static void MapConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Content(
            """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Tracevault</title></head>
            <body><h1>Tracevault</h1><p>The console is not built yet. The X-Ray, KMS and CloudTrail APIs are served on this port.</p></body></html>
            """, "text/html; charset=utf-8"));
    }
}
