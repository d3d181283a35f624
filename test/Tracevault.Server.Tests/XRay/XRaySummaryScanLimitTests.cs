using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Tracevault.Server.Console;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// A filter that matches only an old trace must not make one request process the whole range: GetTraceSummaries and the
/// console's Traces page answer what matched so far after a bounded number of traces, and where to go on.
/// </summary>
public sealed partial class XRaySummaryScanLimitTests : IAsyncLifetime
{
    /// <summary>More traces than one API call processes, so the needle, the oldest, is only found on a later page.</summary>
    private const int Traces = XRayQueryApi.SummariesScanLimit + 300;

    private const string NeedleFilter = "annotation.needle = \"yes\"";

    private TestServer _server = null!;
    private string _needle = null!;
    private long _now;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        using var xray = XRayApiClient.For(_server);
        _now = Now();
        var documents = Enumerable.Range(0, Traces).Select(i =>
        {
            var time = _now - 3000 + (i / 2);
            var id = TraceId(time, i.ToString("x", CultureInfo.InvariantCulture));
            return (Id: id, Json: Segment(id, $"{i:x16}", "front", time + 0.1, time + 0.2, s =>
            {
                if (i == 0)
                {
                    s["annotations"] = new System.Text.Json.Nodes.JsonObject { ["needle"] = "yes" };
                }
            }).ToJsonString());
        }).ToList();
        _needle = documents[0].Id;
        foreach (var batch in documents.Chunk(50))
        {
            Assert.Empty(await xray.PutTraceSegmentsAsync(batch.Select(d => d.Json)));
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetTraceSummaries_FilterMatchingOnlyTheOldestTrace_AnswersAnEmptyPageWithANextTokenFirst()
    {
        using var xray = XRayApiClient.For(_server);
        var first = await xray.GetTraceSummariesAsync(_now - 3600, _now + 60, NeedleFilter);
        Assert.Empty(first["TraceSummaries"]!.AsArray());
        var processed = first["TracesProcessedCount"]!.GetValue<int>();
        Assert.InRange(processed, XRayQueryApi.SummariesScanLimit, XRayQueryApi.SummariesScanLimit + 1);
        var token = XRayApiClient.Text(first, "NextToken");
        Assert.NotNull(token);

        var second = await xray.GetTraceSummariesAsync(_now - 3600, _now + 60, NeedleFilter, token);
        var found = Assert.Single(second["TraceSummaries"]!.AsArray());
        Assert.Equal(_needle, found!["Id"]!.GetValue<string>());
        Assert.Equal(Traces - processed, second["TracesProcessedCount"]!.GetValue<int>());
        Assert.Null(XRayApiClient.Text(second, "NextToken"));
    }

    [Fact]
    public async Task AwsCli_GetTraceSummaries_FilterMatchingOnlyTheOldestTrace_PaginatesPastTheEmptyPageToIt()
    {
        // The CLI follows NextToken by itself: an empty first page must not end its answer.
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(),
        [
            "xray", "get-trace-summaries",
            "--start-time", (_now - 3600).ToString(CultureInfo.InvariantCulture), "--end-time", (_now + 60).ToString(CultureInfo.InvariantCulture),
            "--filter-expression", NeedleFilter,
        ]);

        Assert.True(result.ExitCode == 0, result.Output);
        var answer = System.Text.Json.Nodes.JsonNode.Parse(result.StandardOutput)!;
        var found = Assert.Single(answer["TraceSummaries"]!.AsArray());
        Assert.Equal(_needle, found!["Id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetTraceSummaries_NoFilter_FillsTheFirstPageFromTheNewestTracesOnly()
    {
        using var xray = XRayApiClient.For(_server);
        var first = await xray.GetTraceSummariesAsync(_now - 3600, _now + 60);
        Assert.Equal(XRayQueryApi.SummariesPageSize, first["TraceSummaries"]!.AsArray().Count);
        Assert.True(first["TracesProcessedCount"]!.GetValue<int>() < 2 * XRayQueryApi.SummariesPageSize);
        Assert.NotNull(XRayApiClient.Text(first, "NextToken"));
    }

    [Fact]
    public async Task TracesPage_FilterMatchingOnlyTheOldestTrace_LinksOnUntilItFindsIt()
    {
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using (var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        // Counted from the facts kept at ingest, the first page already finds it among every trace of the range.
        using (var counted = await client.GetAsync("/console/traces?range=1h&filter=" + Uri.EscapeDataString(NeedleFilter)))
        {
            var first = await counted.Content.ReadAsStringAsync();
            Assert.Contains($"data-trace-id=\"{_needle}\"", first, StringComparison.Ordinal);
            Assert.Equal("1", ProcessedCount().Match(first).Groups["count"].Value);
            Assert.Contains($"<span id=\"histogram-in-range\">{Traces.ToString("N0", CultureInfo.InvariantCulture)}</span>", first, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"next-page\"", first, StringComparison.Ordinal);
        }

        // A filter only the documents can answer (a sub-filter on the HTTP status of a service's entities) reads them, a bounded number a page.
        var path = "/console/traces?range=1h&filter=" + Uri.EscapeDataString(NeedleFilter + " AND service() { http.status > 0 OR NOT http.status > 0 }");
        var pages = 0;
        string html;
        while (true)
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            html = await response.Content.ReadAsStringAsync();
            pages++;
            if (html.Contains(_needle, StringComparison.Ordinal))
            {
                break;
            }

            Assert.Contains("id=\"no-matches-yet\"", html, StringComparison.Ordinal);
            var processed = int.Parse(ProcessedCount().Match(html).Groups["count"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            Assert.InRange(processed, TracesPage.ScanLimit, TracesPage.ScanLimit + 1);
            path = WebUtility.HtmlDecode(NextPageLink().Match(html).Groups["href"].Value);
            Assert.StartsWith("/console/traces?", path, StringComparison.Ordinal);
        }

        Assert.Equal((Traces + TracesPage.ScanLimit - 1) / TracesPage.ScanLimit, pages);
        Assert.Contains($"data-trace-id=\"{_needle}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"next-page\"", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<strong id=\"processed-count\">(?<count>[0-9,]+)</strong>")]
    private static partial Regex ProcessedCount();

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\" rel=\"next\" id=\"next-page\">")]
    private static partial Regex NextPageLink();
}
