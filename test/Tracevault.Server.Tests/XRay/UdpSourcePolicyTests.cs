using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Which UDP senders are taken, and how refusals are logged: every one counted, at most one line per interval.</summary>
public sealed class UdpSourcePolicyTests
{
    private static readonly IPAddress Outsider = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void Allows_LoopbackAndAllowedNetworksOnly()
    {
        using var logs = new CapturingLoggerProvider();
        using var policy = new UdpSourcePolicy([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("fd00::/8")], new IngestCounters(), new FakeTimeProvider(), logs.CreateLogger("test"));

        Assert.True(policy.Allows(IPAddress.Loopback));
        Assert.True(policy.Allows(IPAddress.Parse("127.8.9.10")));
        Assert.True(policy.Allows(IPAddress.IPv6Loopback));
        Assert.True(policy.Allows(IPAddress.Parse("10.200.3.4")));
        Assert.True(policy.Allows(IPAddress.Parse("::ffff:10.200.3.4")));
        Assert.True(policy.Allows(IPAddress.Parse("fd12::1")));
        Assert.False(policy.Allows(IPAddress.Parse("11.0.0.1")));
        Assert.False(policy.Allows(IPAddress.Parse("fe80::1")));
        Assert.False(policy.Allows(Outsider));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData(" 192.168.1.7/32 ", "192.168.1.7/32")]
    [InlineData("192.168.1.7", "192.168.1.7/32")]
    [InlineData("fd00::/8", "fd00::/8")]
    [InlineData("2001:db8::5", "2001:db8::5/128")]
    public void ParseNetwork_CidrOrOneHost_IsThatNetwork(string text, string expected) =>
        Assert.Equal(expected, Hosting.ServerOptions.ParseNetwork(text).ToString());

    [Theory]
    [InlineData("10.1.2.3/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("example.com")]
    [InlineData("")]
    public void ParseNetwork_NotACanonicalNetwork_IsRefused(string text) =>
        Assert.Throws<ArgumentException>(() => Hosting.ServerOptions.ParseNetwork(text));

    [Fact]
    public void Refused_ManyWithinAnInterval_CountsEveryOneAndLogsOneLinePerInterval()
    {
        using var logs = new CapturingLoggerProvider();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var counters = new IngestCounters();
        using var policy = new UdpSourcePolicy([], counters, time, logs.CreateLogger("test"));

        for (var i = 0; i < 1000; i++)
        {
            policy.Refused(Outsider);
        }

        Assert.Equal(1000, counters.DroppedSourceNotAllowed);
        Assert.Equal(["Refused 1 UDP datagram(s)"], Lines(logs));

        // The rest are told once the interval has passed, in one line with their count, even if no more arrive.
        time.Advance(UdpSourcePolicy.LogInterval);
        Assert.Equal(["Refused 1 UDP datagram(s)", "Refused 999 UDP datagram(s)"], Lines(logs));
        Assert.Contains(logs.Lines, l => l.Contains("; 1000 since start", StringComparison.Ordinal));

        // Quiet intervals say nothing; the next refusal after them is logged at once.
        time.Advance(UdpSourcePolicy.LogInterval * 3);
        Assert.Equal(2, Lines(logs).Count);
        policy.Refused(Outsider);
        Assert.Equal(3, Lines(logs).Count);
    }

    private static List<string> Lines(CapturingLoggerProvider logs) =>
        [.. logs.Lines.Where(l => l.Contains("[261]", StringComparison.Ordinal)).Select(l => l[l.IndexOf("Refused", StringComparison.Ordinal)..l.IndexOf(" from senders", StringComparison.Ordinal)])];
}
