using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Traces.Filters;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary>The web console's acceptance: headless Chromium through sign-in, traces, a timeline and the service map, and the refusals.</summary>
public sealed class ConsoleTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>May read traces and the service map but not list trace summaries.</summary>
    private const string NoSummariesPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetServiceGraph"],"Resource":"*"}]}""";

    /// <summary>A filter expression with a mistake in its middle: a comparison with no value before AND.</summary>
    private const string BadFilter = """annotation.customer = AND responsetime > 0""";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browser_ConsoleScript_Passes()
    {
        var traces = await ConsoleTraces.PutAsync(_server);
        var reader = _server.CreateUser("reader", NoSummariesPolicy);
        await using var shortLived = await TestServer.StartAsync(configure: options => options.Console.SessionIdleTimeout = TimeSpan.FromSeconds(2));
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);

        var environment = _server.ClientEnvironment();
        environment["READER_ACCESS_KEY_ID"] = reader.AccessKeyId;
        environment["READER_SECRET_ACCESS_KEY"] = reader.SecretAccessKey;
        environment["CHECKOUT_TRACE_ID"] = traces.CheckoutTraceId;
        environment["HOME_TRACE_ID"] = traces.HomeTraceId;
        environment["BAD_FILTER"] = BadFilter;
        environment["BAD_FILTER_POSITION"] = FilterErrorPosition(BadFilter).ToString();
        environment["SHORT_ENDPOINT"] = shortLived.Endpoint;
        environment["SHORT_ACCESS_KEY_ID"] = shortLived.AdminAccessKeyId;
        environment["SHORT_SECRET_ACCESS_KEY"] = shortLived.AdminSecret;
        environment["SHORT_IDLE_SECONDS"] = "2";
        environment["SCREENSHOTS"] = screenshots;

        await NodeClients.RunTestScriptAsync("console.test.mjs", environment, output);

        foreach (var secret in new[] { _server.AdminSecret, reader.SecretAccessKey })
        {
            Assert.DoesNotContain(_server.Logs.Lines, m => m.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/")]
    public async Task ConsoleRoot_WithOrWithoutSlash_RedirectsToTheTracesPage(string path)
    {
        // The start-up output prints ".../console": the first page every new user opens must not be a 500.
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/console/traces", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_SetsHttpOnlySameSiteStrictSessionCookie_AndOpensTheAskedPage()
    {
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var unauthenticated = await client.GetAsync("/console/map?range=6h");
        Assert.Equal(HttpStatusCode.SeeOther, unauthenticated.StatusCode);
        Assert.Equal("/console/signin?next=%2Fconsole%2Fmap%3Frange%3D6h", unauthenticated.Headers.Location!.OriginalString);

        using var form = await client.GetAsync("/console/signin?next=%2Fconsole%2Fmap%3Frange%3D6h");
        var token = ConsoleHttpClient.CsrfToken(await form.Content.ReadAsStringAsync());
        using var signedIn = await client.PostFormAsync("/console/signin", new()
        {
            ["csrf"] = token,
            ["next"] = "/console/map?range=6h",
            ["accessKeyId"] = _server.AdminAccessKeyId,
            ["secretAccessKey"] = _server.AdminSecret,
        });

        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/console/map?range=6h", signedIn.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("tracevault_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        var sessionId = cookie["tracevault_session=".Length..cookie.IndexOf(';', StringComparison.Ordinal)];
        Assert.Equal(43, sessionId.Length);

        using var map = await client.GetAsync("/console/map?range=6h");
        Assert.Equal(HttpStatusCode.OK, map.StatusCode);
        Assert.Contains("default-src 'none'", map.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPost_WithoutItsFormToken_IsRefused()
    {
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var response = await client.PostFormAsync("/console/signin", new() { ["accessKeyId"] = _server.AdminAccessKeyId, ["secretAccessKey"] = _server.AdminSecret });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Request refused", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("tracevault_session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignOutPost_WithWrongCsrfToken_IsRefused_AndTheSessionLives()
    {
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var page = await client.GetAsync("/console/traces");
        var token = ConsoleHttpClient.CsrfToken(await page.Content.ReadAsStringAsync());

        // Another last character, whatever the token ends with (appending a fixed "AA" matched one token in 4,096).
        using var forged = await client.PostFormAsync("/console/signout", new() { ["csrf"] = token[..^1] + (token[^1] == 'A' ? 'B' : 'A') });
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using var stillIn = await client.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        using var signedOut = await client.PostFormAsync("/console/signout", new() { ["csrf"] = token });
        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        using var after = await client.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.SeeOther, after.StatusCode);
    }

    [Fact]
    public async Task Session_IdleForLongerThanAnHour_EndsOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        using var client = new ConsoleHttpClient(server.Endpoint);
        using var signedIn = await client.SignInAsync(server.AdminAccessKeyId, server.AdminSecret);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);

        clock.Advance(TimeSpan.FromMinutes(59));
        using var used = await client.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);

        clock.Advance(TimeSpan.FromMinutes(61));
        using var expired = await client.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.SeeOther, expired.StatusCode);
        Assert.Equal("/console/signin?next=%2Fconsole%2Ftraces&ended=1", expired.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TracesPage_EncodesEveryTraceValue()
    {
        var traces = await ConsoleTraces.PutAsync(_server);
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var page = await client.GetAsync("/console/traces?range=1h&filter=" + Uri.EscapeDataString("annotation.customer = \"c9\""));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(traces.HomeTraceId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(traces.CheckoutTraceId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleTraces.MarkupAnnotation, html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x id=injected", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracesPage_PagesThroughMoreTracesThanOnePageHolds()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var documents = Enumerable.Range(0, 55).Select(i => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["trace_id"] = $"1-{(long)now:x8}-{i:x24}",
            ["id"] = $"{i + 1:x16}",
            ["name"] = "pager",
            ["start_time"] = now - 60 + i,
            ["end_time"] = now - 60 + i + 0.01,
        }));
        using (var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret))
        {
            using var put = await api.XRayAsync("/TraceSegments", SignedHttpClient.Json(System.Text.Json.JsonSerializer.Serialize(new { TraceSegmentDocuments = documents })));
            Assert.Contains("\"UnprocessedTraceSegments\":[]", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var first = await client.GetAsync("/console/traces?range=15m&filter=" + Uri.EscapeDataString("name = \"pager\""));
        var firstHtml = await first.Content.ReadAsStringAsync();
        Assert.Equal(50, CountRows(firstHtml));
        Assert.Contains("<strong id=\"matched-count\">50</strong>", firstHtml, StringComparison.Ordinal);
        Assert.Contains("Page 1, traces 1–50", firstHtml, StringComparison.Ordinal);
        var older = System.Text.RegularExpressions.Regex.Match(firstHtml, "<a href=\"([^\"]+)\" rel=\"next\"").Groups[1].Value;
        Assert.Contains("after=", older, StringComparison.Ordinal);

        using var second = await client.GetAsync(System.Net.WebUtility.HtmlDecode(older));
        var secondHtml = await second.Content.ReadAsStringAsync();
        Assert.Equal(5, CountRows(secondHtml));
        Assert.Contains($"1-{(long)now:x8}-{0:x24}", secondHtml, StringComparison.Ordinal);
        Assert.Contains("Page 2, traces 51–55", secondHtml, StringComparison.Ordinal);
        Assert.Contains("rel=\"first\"", secondHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"next\"", secondHtml, StringComparison.Ordinal);
        var firstIds = System.Text.RegularExpressions.Regex.Matches(firstHtml, "<tr data-trace-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        var secondIds = System.Text.RegularExpressions.Regex.Matches(secondHtml, "<tr data-trace-id=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(55, firstIds.Concat(secondIds).Distinct().Count());

        static int CountRows(string html) => html.Split("<tr data-trace-id=").Length - 1;
    }

    [Fact]
    public async Task SignInPost_LargerThanAnyForm_IsRefusedAndTheServerKeepsServing()
    {
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var huge = await client.PostFormAsync("/console/signin", new() { ["accessKeyId"] = new string('A', 512 * 1024), ["secretAccessKey"] = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
    }

    [Fact]
    public async Task TracesPage_CustomRange_ListsOnlyTheTracesInside()
    {
        var traces = await ConsoleTraces.PutAsync(_server);
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        var now = DateTime.UtcNow;

        using var covering = await client.GetAsync($"/console/traces?range=custom&start={now.AddMinutes(-10):yyyy-MM-ddTHH:mm}&end={now.AddMinutes(2):yyyy-MM-ddTHH:mm}");
        var coveringHtml = await covering.Content.ReadAsStringAsync();
        Assert.Contains(traces.CheckoutTraceId, coveringHtml, StringComparison.Ordinal);
        Assert.Contains("<option value=\"custom\" selected>", coveringHtml, StringComparison.Ordinal);

        using var before = await client.GetAsync($"/console/traces?range=custom&start={now.AddHours(-3):yyyy-MM-ddTHH:mm}&end={now.AddHours(-2):yyyy-MM-ddTHH:mm}");
        var beforeHtml = await before.Content.ReadAsStringAsync();
        Assert.DoesNotContain(traces.CheckoutTraceId, beforeHtml, StringComparison.Ordinal);
        Assert.Contains("<strong id=\"matched-count\">0</strong>", beforeHtml, StringComparison.Ordinal);

        using var backwards = await client.GetAsync($"/console/traces?range=custom&start={now:yyyy-MM-ddTHH:mm}&end={now.AddHours(-1):yyyy-MM-ddTHH:mm}");
        Assert.Contains("The custom end must be later than its start.", await backwards.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static int FilterErrorPosition(string expression)
    {
        var error = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(expression));
        Assert.InRange(error.Position, 1, expression.Length - 1);
        return error.Position;
    }
}
