using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Foundation;

/// <summary><c>--trusted-proxy</c>: the client's address is taken from <c>X-Forwarded-For</c> only when a trusted proxy sent it, and a forwarded address never counts as this machine for the unsigned calls.</summary>
public sealed class TrustedProxyTests
{
    [Fact]
    public async Task FromATrustedProxy_TheThrottleCountsTheForwardedAddress_AndUnsignedCallsJudgeItByUdpAllowOnly()
    {
        var data = Directory.CreateTempSubdirectory("tracevault-proxy-").FullName;
        try
        {
            await using var server = await StartAsync(data, "--trusted-proxy", "127.0.0.1/32", "--udp-allow", "198.51.100.0/24");

            // Five failures from one forwarded client make that client wait; another client behind the same proxy does not.
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(server.Endpoint, "203.0.113.7", i));
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(server.Endpoint, "203.0.113.7", 5));
            Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(server.Endpoint, "203.0.113.8", 6));

            // A client's own X-Forwarded-For entries before the proxy's are not believed: the proxy appended the real one.
            Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(server.Endpoint, "203.0.113.9, 203.0.113.7", 7));

            // Unsigned sampling calls: the loopback proxy does not make its clients local, not even one forwarded as 127.0.0.1;
            // a forwarded client in --udp-allow is taken; a request the proxy did not forward is judged by the peer (local).
            Assert.Equal(403, await UnsignedSamplingStatusAsync(server.Endpoint, "203.0.113.7"));
            Assert.Equal(403, await UnsignedSamplingStatusAsync(server.Endpoint, "127.0.0.1"));
            Assert.Equal(200, await UnsignedSamplingStatusAsync(server.Endpoint, "198.51.100.9"));
            Assert.Equal(200, await UnsignedSamplingStatusAsync(server.Endpoint, null));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task WithoutTrustedProxies_XForwardedForIsIgnored_TheThrottleCountsThePeer()
    {
        var data = Directory.CreateTempSubdirectory("tracevault-proxy-").FullName;
        try
        {
            await using var server = await StartAsync(data);
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(server.Endpoint, $"203.0.113.{i + 1}", i));
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(server.Endpoint, "203.0.113.99", 5));
            Assert.Equal(200, await UnsignedSamplingStatusAsync(server.Endpoint, "203.0.113.7"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [SkippableFact]
    public async Task FromAnUntrustedPeer_AForwardedLoopbackAddress_OpensNothing()
    {
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Skip.If(own is null, "this machine has no IPv4 address besides loopback to be an untrusted peer from");
        var data = Directory.CreateTempSubdirectory("tracevault-proxy-").FullName;
        try
        {
            await using var server = await StartAsync(data, "--listen", "0.0.0.0:PORT", "--insecure-http", "--trusted-proxy", "127.0.0.1/32");
            var endpoint = $"http://{own}:{server.Port}";

            // Through this machine's own address the peer is not loopback, and not a trusted proxy: its header is not read.
            Assert.Equal(403, await UnsignedSamplingStatusAsync(endpoint, "127.0.0.1"));
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(endpoint, $"203.0.113.{i + 1}", i));
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(endpoint, "127.0.0.1", 5));

            // Its peer alone waits: a loopback client (not forwarded) is not slowed down by it.
            Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(server.Endpoint, null, 6));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task BehindATlsTerminatingTrustedProxy_XForwardedProtoHttps_GivesSecureHostCookies_AndFromOthersIsIgnored()
    {
        var data = Directory.CreateTempSubdirectory("tracevault-proxy-").FullName;
        try
        {
            await using (var behindProxy = await StartAsync(data, "--trusted-proxy", "127.0.0.1/32"))
            {
                var cookie = await SignInCookieAsync(behindProxy.Endpoint, "https");
                Assert.StartsWith("__Host-", cookie, StringComparison.Ordinal);
                Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("path=/;", cookie + ";", StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("__Host-", await SignInCookieAsync(behindProxy.Endpoint, null), StringComparison.Ordinal);
            }

            // Without trusted proxies the header is anyone's claim: plain HTTP stays plain.
            await using var direct = await StartAsync(data);
            var plain = await SignInCookieAsync(direct.Endpoint, "https");
            Assert.DoesNotContain("__Host-", plain, StringComparison.Ordinal);
            Assert.DoesNotContain("secure", plain, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The cookie the sign-in form sets, asked for through a proxy that forwards <paramref name="forwardedProto"/> when given.</summary>
    private static async Task<string> SignInCookieAsync(string endpoint, string? forwardedProto)
    {
        using var client = new ConsoleHttpClient(endpoint);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        if (forwardedProto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var form = await client.GetAsync("/console/signin");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        return Assert.Single(form.Headers.GetValues("Set-Cookie"));
    }

    private static async Task<ServerProcess> StartAsync(string data, params string[] arguments)
    {
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        var listen = arguments.Contains("--listen") ? [] : new[] { "--listen", $"127.0.0.1:{port}" };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", data, "--otlp-http", "off", "--otlp-grpc", "off", "--metrics", "off" }
            .Concat(listen).Concat(arguments.Select(a => a.Replace("PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))))
        {
            start.ArgumentList.Add(argument);
        }

        return await ServerProcess.StartAsync(start, port);
    }

    /// <summary>A failed sign-in with an access key no one has (so only the address counts), forwarded for <paramref name="forwardedFor"/> when given.</summary>
    private static async Task<HttpStatusCode> SignInStatusAsync(string endpoint, string? forwardedFor, int attempt)
    {
        using var client = new ConsoleHttpClient(endpoint);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SignInAsync($"AKIANOSUCHKEY{attempt:D7}", "wrong");
        return response.StatusCode;
    }

    private static async Task<int> UnsignedSamplingStatusAsync(string endpoint, string? forwardedFor)
    {
        using var http = new HttpClient { BaseAddress = new Uri(endpoint) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/GetSamplingRules") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }
}
