namespace Tracevault.Server.Console;

/// <summary>Wires the web console into the host: its services, its routes, and the session and CSRF checks every page passes.</summary>
public static class ConsoleFeature
{
    /// <summary>Where the console's one stylesheet is served.</summary>
    public const string StylesheetPath = "/console/console.css";

    private const string StylesheetResource = "Tracevault.Server.Console.console.css";

    /// <summary>Registers the console's services.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(sp => sp.GetRequiredService<Hosting.DataDirectory>().Storage.ConsoleSessions);
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton(sp => sp.GetRequiredService<Hosting.DataDirectory>().Storage.SignInAttempts);
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<ConsoleSignInAudit>();
        services.AddSingleton<ConsoleNotifications>();
        services.AddSingleton<ConsoleLayout>();
        services.AddSingleton<SignInPage>();
        services.AddSingleton<TracesPage>();
        services.AddSingleton<TracePage>();
        services.AddSingleton<ServiceMapPage>();
        services.AddSingleton<SamplingRulesPage>();
        services.AddSingleton<GroupsPage>();
        services.AddSingleton<EncryptionPage>();
        services.AddSingleton<KeysPage>();
        services.AddSingleton<AuditPage>();
        return services;
    }

    /// <summary>Maps the console's routes. Every form post goes under <c>/console/</c>, which the API dispatcher leaves to the console.</summary>
    public static void MapConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var signIn = services.GetRequiredService<SignInPage>();
        var traces = services.GetRequiredService<TracesPage>();
        var trace = services.GetRequiredService<TracePage>();
        var map = services.GetRequiredService<ServiceMapPage>();
        var sampling = services.GetRequiredService<SamplingRulesPage>();
        var groups = services.GetRequiredService<GroupsPage>();
        var encryption = services.GetRequiredService<EncryptionPage>();
        var keys = services.GetRequiredService<KeysPage>();
        var audit = services.GetRequiredService<AuditPage>();
        var stylesheet = ReadStylesheet();

        endpoints.MapGet("/", context => RedirectAsync(context, "/console/traces"));
        // One route: routing matches a trailing slash either way, so "/console/" mapped as well made every GET an ambiguous match (500).
        endpoints.MapGet("/console", context => RedirectAsync(context, "/console/traces"));
        endpoints.MapGet(StylesheetPath, context =>
        {
            context.Response.ContentType = "text/css; charset=utf-8";
            context.Response.Headers.CacheControl = "public, max-age=300";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.Body.WriteAsync(stylesheet, context.RequestAborted).AsTask();
        });

        endpoints.MapGet("/console/signin", signIn.ShowAsync);
        endpoints.MapPost("/console/signin", signIn.SubmitAsync);
        MapAction(endpoints, "/console/signout", signIn.SignOutAsync);
        MapPage(endpoints, "/console/traces", traces.ShowAsync);
        MapPage(endpoints, "/console/traces/{id}", trace.ShowAsync);
        MapPage(endpoints, TracePage.LookupPath, trace.LookupAsync);
        MapPage(endpoints, "/console/map", map.ShowAsync);
        MapPage(endpoints, "/console/sampling", sampling.ShowAsync);
        MapAction(endpoints, "/console/sampling/{action}", sampling.ActAsync);
        MapPage(endpoints, "/console/groups", groups.ShowAsync);
        MapAction(endpoints, "/console/groups/{action}", groups.ActAsync);
        MapPage(endpoints, "/console/encryption", encryption.ShowAsync);
        MapAction(endpoints, "/console/encryption", encryption.ApplyAsync);
        MapPage(endpoints, "/console/keys", keys.ShowAsync);
        MapAction(endpoints, "/console/keys/{action}", keys.ActAsync);
        MapPage(endpoints, "/console/audit", audit.ShowAsync);
        MapPage(endpoints, "/console/audit/{eventId}", audit.ShowEventAsync);
    }

    /// <summary>Answers a form post that failed the CSRF check: 403 and a page that says so; nothing was changed.</summary>
    public static Task WriteForbiddenFormAsync(HttpContext context, ConsoleLayout layout, ConsoleSession? session)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var html = new HtmlWriter().Append($"""
            <section class="panel refused" id="csrf-refused">
            <h1>Request refused</h1>
            <p>The form did not carry this console's security token (CSRF protection), so it may not have come from this console. Nothing was changed.</p>
            <p><a href="/console/traces">Go back to the console</a> and try again from its own page.</p>
            </section>
            """).ToHtml();
        return ConsoleResponses.WriteHtmlAsync(context, layout.Render(session, "Request refused", ConsoleSection.None, html), StatusCodes.Status403Forbidden);
    }

    /// <summary>A signed-in GET page: without a live session, the browser goes to sign-in and comes back after.</summary>
    private static void MapPage(IEndpointRouteBuilder endpoints, string pattern, Func<HttpContext, ConsoleSession, Task> page) =>
        endpoints.MapGet(pattern, context =>
        {
            var session = context.RequestServices.GetRequiredService<ConsoleSessions>().Find(context);
            if (session is null)
            {
                RedirectToSignIn(context);
                return Task.CompletedTask;
            }

            return RunAsync(context, session, page);
        });

    /// <summary>A signed-in form post: it needs a live session and that session's CSRF token, or it is refused before it runs.</summary>
    private static void MapAction(IEndpointRouteBuilder endpoints, string pattern, Func<HttpContext, ConsoleSession, Task> action) =>
        endpoints.MapPost(pattern, async context =>
        {
            var layout = context.RequestServices.GetRequiredService<ConsoleLayout>();
            var session = context.RequestServices.GetRequiredService<ConsoleSessions>().Find(context);
            var form = await ConsoleForms.TryReadAsync(context).ConfigureAwait(false);
            if (session is null || form is null || !CsrfProtection.IsValid(session, form))
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleFeature));
                LogMessages.ConsoleFormRefused(logger, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                await WriteForbiddenFormAsync(context, layout, session).ConfigureAwait(false);
                return;
            }

            await RunAsync(context, session, action).ConfigureAwait(false);
        });

    private static async Task RunAsync(HttpContext context, ConsoleSession session, Func<HttpContext, ConsoleSession, Task> handler)
    {
        try
        {
            await handler(context, session).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The browser went away.
        }
        catch (Exception exception)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleFeature));
            LogMessages.ConsolePageFailed(logger, context.Request.Path, exception.GetType().Name);
            if (!context.Response.HasStarted)
            {
                var layout = context.RequestServices.GetRequiredService<ConsoleLayout>();
                var html = new HtmlWriter().Append($"<section class=\"panel refused\"><h1>Something went wrong</h1><p>The page could not be shown. The server's log has the details.</p></section>").ToHtml();
                await ConsoleResponses.WriteHtmlAsync(context, layout.Render(session, "Error", ConsoleSection.None, html), StatusCodes.Status500InternalServerError).ConfigureAwait(false);
            }
        }
    }

    private static void RedirectToSignIn(HttpContext context)
    {
        var next = context.Request.Path.Value + context.Request.QueryString.Value;
        var location = "/console/signin?next=" + Uri.EscapeDataString(next);
        if (ConsoleSessions.HasCookie(context))
        {
            location += "&ended=1";
        }

        ConsoleResponses.Redirect(context, location);
    }

    private static Task RedirectAsync(HttpContext context, string location)
    {
        ConsoleResponses.Redirect(context, location);
        return Task.CompletedTask;
    }

    private static byte[] ReadStylesheet()
    {
        using var stream = typeof(ConsoleFeature).Assembly.GetManifestResourceStream(StylesheetResource)
            ?? throw new InvalidOperationException($"The console's stylesheet resource {StylesheetResource} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
