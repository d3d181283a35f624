using System.Net;
using System.Text.RegularExpressions;

namespace Tracevault.Server.Tests.Console;

/// <summary>A cookie-keeping HTTP client for the console's pages, for checks below the browser (headers, status codes, raw markup).</summary>
public sealed partial class ConsoleHttpClient : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleHttpClient(string endpoint)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(endpoint) };
    }

    public CookieContainer Cookies { get; }

    /// <summary>Headers sent with every request (e.g. <c>X-Forwarded-For</c>, as a proxy would add).</summary>
    public System.Net.Http.Headers.HttpRequestHeaders DefaultRequestHeaders => _http.DefaultRequestHeaders;

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields) =>
        _http.PostAsync(path, new FormUrlEncodedContent(fields));

    /// <summary>Posts <paramref name="body"/> as it is, labelled a URL-encoded form.</summary>
    public Task<HttpResponseMessage> SendAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return _http.PostAsync(path, content);
    }

    /// <summary>Signs in through the form as a browser would; returns the answer to the form post.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string accessKeyId, string secret)
    {
        using var form = await GetAsync("/console/signin");
        var token = CsrfToken(await form.Content.ReadAsStringAsync());
        return await PostFormAsync("/console/signin", new() { ["csrf"] = token, ["accessKeyId"] = accessKeyId, ["secretAccessKey"] = secret });
    }

    /// <summary>The CSRF token of the first form on a page.</summary>
    public static string CsrfToken(string html) => CsrfField().Match(html) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("The page has no CSRF field:\n" + html);

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
