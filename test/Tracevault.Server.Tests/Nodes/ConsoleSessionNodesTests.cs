using System.Net;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Server.Tests.Console;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>Console sessions live in the store: a session started on one node works on every node, and the store cannot be ridden.</summary>
public sealed class ConsoleSessionNodesTests
{
    [Fact]
    public async Task ASessionStartedOnNode1_WorksOnNode2_AndSigningOutOnNode2_EndsItOnNode1()
    {
        await using var nodes = await NodeGroup.StartAsync(2);
        var (node1, node2) = (nodes[0], nodes[1]);
        using var browser1 = new ConsoleHttpClient(node1.Endpoint);
        using (var signedIn = await browser1.SignInAsync(node1.AdminAccessKeyId, node1.AdminSecret))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        // Behind a load balancer the browser's next request reaches node 2 with the same cookie.
        using var browser2 = new ConsoleHttpClient(node2.Endpoint);
        var cookie = SessionCookie(browser1, node1);
        browser2.Cookies.Add(new Uri(node2.Endpoint), new Cookie(cookie.Name, cookie.Value, cookie.Path));
        using var page = await browser2.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("admin", html, StringComparison.Ordinal);

        // A form posted on node 2 carries the token node 2's page gave; signing out there ends the session on node 1 too.
        using (var signOut = await browser2.PostFormAsync("/console/signout", new() { ["csrf"] = ConsoleHttpClient.CsrfToken(html) }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
            Assert.Equal("/console/signin", signOut.Headers.Location!.OriginalString);
        }

        using var ended = await browser1.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.SeeOther, ended.StatusCode);
        Assert.Equal("/console/signin?next=%2Fconsole%2Ftraces&ended=1", ended.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TheStore_HoldsOnlyTheTokensHash_NeitherTheTokenNorTheCsrfToken()
    {
        await using var nodes = await NodeGroup.StartAsync(1);
        var node = nodes[0];
        using var browser = new ConsoleHttpClient(node.Endpoint);
        using (await browser.SignInAsync(node.AdminAccessKeyId, node.AdminSecret))
        {
        }

        var token = SessionCookie(browser, node).Value;
        using var page = await browser.GetAsync("/console/traces");
        var csrf = ConsoleHttpClient.CsrfToken(await page.Content.ReadAsStringAsync());
        var store = node.Server.Data.Storage.ConsoleSessions;
        Assert.NotNull(store.Find(SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        foreach (var file in Directory.EnumerateFiles(node.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)) < 0, $"{file} holds the session token");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(csrf)) < 0, $"{file} holds the CSRF token");
            Assert.True(bytes.AsSpan().IndexOf(Convert.FromBase64String(ToBase64(token))) < 0, $"{file} holds the session token's bytes");
        }
    }

    private static Cookie SessionCookie(ConsoleHttpClient browser, Infrastructure.TestServer node) =>
        browser.Cookies.GetCookies(new Uri(node.Endpoint + "/console/")).Single(c => c.Name == "tracevault_session");

    private static string ToBase64(string base64Url)
    {
        var padded = base64Url.Replace('-', '+').Replace('_', '/');
        return padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
