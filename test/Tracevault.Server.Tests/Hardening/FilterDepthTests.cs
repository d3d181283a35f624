using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>
/// Filter expressions that nest without end, against the real server process: a stack overflow kills a process (and would take
/// the test host with it in-process), so only a separate process shows that the next request is still served.
/// </summary>
public sealed partial class FilterDepthTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-depth-" + Path.GetRandomFileName());

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task GetTraceSummaries_DeeplyNestedFilters_AnswerInvalidRequestAndTheServerServesTheNextRequest()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        var credentials = File.ReadAllText(Path.Combine(_data, "credentials"));
        var accessKeyId = AccessKeyLine().Match(credentials).Groups[1].Value;
        var secret = SecretLine().Match(credentials).Groups[1].Value;
        using var client = new SignedHttpClient(server.Endpoint, accessKeyId, secret);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var filters = new (string Filter, string Limit)[]
        {
            (new string('(', 50_000) + """service("a")""" + new string(')', 50_000), "at most 2000 are accepted"),
            (new string('(', 10_000) + """service("a")""" + new string(')', 10_000), "at most 2000 are accepted"),
            (new string('!', 50_000) + "ok", "at most 2000 are accepted"),
            (Repeat("NOT ", 12_500) + "ok", "at most 2000 are accepted"),
            (Repeat("ok AND ", 10_000) + "ok", "at most 2000 are accepted"),
            (Repeat("ok OR ", 10_000) + "ok", "at most 2000 are accepted"),
            (new string('(', 900) + "ok" + new string(')', 900), "nests more than 32 levels deep"),
            (new string('!', 1_000) + "ok", "nests more than 32 levels deep"),
            (Repeat("NOT ", 400) + "ok", "nests more than 32 levels deep"),
            ($$"""service("a") { {{new string('(', 800)}}fault{{new string(')', 800)}} }""", "nests more than 32 levels deep"),
        };
        foreach (var (filter, limit) in filters)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { StartTime = now - 3600, EndTime = now, FilterExpression = filter });
            using var response = await client.XRayAsync("/TraceSummaries", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{(int)response.StatusCode} for a filter of {filter.Length} characters: {text}\n{server.Output}");
            using var error = JsonDocument.Parse(text);
            Assert.Equal("InvalidRequestException", error.RootElement.GetProperty("__type").GetString());
            Assert.Contains(limit, error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

            using var next = await client.XRayAsync("/TraceSummaries", SignedHttpClient.Json($$"""{"StartTime":{{now - 3600}},"EndTime":{{now}},"FilterExpression":"fault OR ok"}"""));
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }

        // The console's filter box reaches the same parser.
        using var console = new ConsoleHttpClient(server.Endpoint);
        using (var signedIn = await console.SignInAsync(accessKeyId, secret))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        foreach (var filter in new[] { new string('(', 8_000) + "ok" + new string(')', 8_000), new string('!', 1_000) + "ok" })
        {
            using var page = await console.GetAsync("/console/traces?filter=" + Uri.EscapeDataString(filter));
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(HttpStatusCode.BadRequest == page.StatusCode, $"{(int)page.StatusCode}: {html}\n{server.Output}");
            Assert.Contains("id=\"filter-error\"", html, StringComparison.Ordinal);
            Assert.Matches("at most 2000 are accepted|nests more than 32 levels deep", html);
        }

        using var after = await console.GetAsync("/console/traces?filter=ok");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    [GeneratedRegex("aws_access_key_id = (\\S+)")]
    private static partial Regex AccessKeyLine();

    [GeneratedRegex("aws_secret_access_key = (\\S+)")]
    private static partial Regex SecretLine();
}
