using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Tracevault.Benchmarks.Load;

/// <summary>Times the console's pages on the loaded store, signed in as the admin, one request at a time, as a browser loads them.</summary>
internal static partial class ConsoleProbe
{
    /// <summary>Signs in, then loads every page <paramref name="requests"/> times; each page's latencies (ms), in the order shown.</summary>
    public static async Task<List<ConsolePage>> MeasureAsync(Uri endpoint, AdminCredentials credentials, int requests)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(5) };
        var form = await http.GetStringAsync(new Uri("/console/signin", UriKind.Relative)).ConfigureAwait(false);
        using var signIn = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = CsrfField().Match(form).Groups["token"].Value,
            ["accessKeyId"] = credentials.AccessKeyId,
            ["secretAccessKey"] = credentials.SecretAccessKey,
            ["next"] = "",
        });
        using (var signedIn = await http.PostAsync(new Uri("/console/signin", UriKind.Relative), signIn).ConfigureAwait(false))
        {
            if (signedIn.StatusCode != HttpStatusCode.SeeOther)
            {
                throw new InvalidDataException($"Console sign-in answered {(int)signedIn.StatusCode}.");
            }
        }

        var traces = await http.GetStringAsync(new Uri("/console/traces?range=1h", UriKind.Relative)).ConfigureAwait(false);
        var traceId = TraceRow().Match(traces).Groups["id"].Value;
        var older = WebUtility.HtmlDecode(NextPage().Match(traces).Groups["href"].Value);
        var pages = new (string Name, string Path)[]
        {
            ("Traces, last hour", "/console/traces?range=1h"),
            ("Traces, last hour, `annotation.customer_tier = \"gold\"`", "/console/traces?range=1h&filter=" + Uri.EscapeDataString("annotation.customer_tier = \"gold\"")),
            ("Traces, last hour, a filter nothing matches", "/console/traces?range=1h&filter=" + Uri.EscapeDataString("service(\"no-such-service\")")),
            ("Traces, last hour, second page", older),
            ("Trace timeline", "/console/traces/" + traceId),
            ("Service map, last hour", "/console/map?range=1h"),
            ("Encryption", "/console/encryption"),
            ("Keys", "/console/keys"),
            ("Audit", "/console/audit"),
        };
        var results = new List<ConsolePage>(pages.Length);
        foreach (var (name, path) in pages)
        {
            // One load first, not timed: the figures are of the server's steady state, not of its JIT.
            using (var warm = await http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false))
            {
                await warm.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }

            var latencies = new List<double>(requests);
            for (var i = 0; i < requests; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidDataException($"Console page {path} answered {(int)response.StatusCode}.");
                }
            }

            results.Add(new ConsolePage(name, Latencies.Of(latencies)));
        }

        return results;
    }

    [GeneratedRegex("name=\"csrf\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex CsrfField();

    [GeneratedRegex("data-trace-id=\"(?<id>[^\"]+)\"")]
    private static partial Regex TraceRow();

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\" rel=\"next\" id=\"next-page\">")]
    private static partial Regex NextPage();
}

/// <summary>One console page's latencies.</summary>
internal sealed record ConsolePage(string Name, Latencies Latencies);
