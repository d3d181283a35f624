using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>The console's sign-in throttle counts in the store: failures spread over several nodes are throttled as if on one.</summary>
public sealed class SignInThrottleNodesTests
{
    [Fact]
    public async Task FailuresSpreadOverTwoNodes_AreThrottledAsOne_AndASuccessOnOneStartsAfreshOnBoth()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var nodes = await NodeGroup.StartAsync(2, clock);
        var (node1, node2) = (nodes[0], nodes[1]);

        // Five failures with the admin's key, alternating nodes: a per-node count would have each node at two or three.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(i % 2 == 0 ? node1 : node2, node1.AdminAccessKeyId, "wrong" + i));
        }

        // Both nodes now refuse the key, the right secret too, until the wait is over.
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(node1, node1.AdminAccessKeyId, node1.AdminSecret));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(node2, node1.AdminAccessKeyId, node1.AdminSecret));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.SeeOther, await StatusAsync(node2, node1.AdminAccessKeyId, node1.AdminSecret));

        // The success on node 2 started the key and the address afresh for node 1 too: four failures there leave it free.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(node1, node1.AdminAccessKeyId, "wrong"));
        }

        Assert.Equal(HttpStatusCode.SeeOther, await StatusAsync(node1, node1.AdminAccessKeyId, node1.AdminSecret));
    }

    private static async Task<HttpStatusCode> StatusAsync(TestServer node, string accessKeyId, string secret)
    {
        using var client = new ConsoleHttpClient(node.Endpoint);
        using var response = await client.SignInAsync(accessKeyId, secret);
        return response.StatusCode;
    }
}
