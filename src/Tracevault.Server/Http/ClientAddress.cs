using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Tracevault.Server.Http;

/// <summary>Who sent a request: the client address (and scheme) trusted proxies forwarded (<c>--trusted-proxy</c>), else the connection's; and whether it may call unsigned.</summary>
/// <remarks>
/// Without trusted proxies no header is read: the address is the connection's peer, as always. With them, ASP.NET Core's
/// forwarded-headers middleware takes <c>X-Forwarded-For</c> only from a peer in a trusted network, walking back through
/// trusted proxies to the first address that is not one. A forwarded address is never "this machine": it is local to the
/// proxy, not to Tracevault, so the loopback-only rules (unsigned sampling calls, unsigned OTLP) judge the real peer of a
/// request that was not forwarded, and a forwarded one only by <c>--udp-allow</c>.
/// </remarks>
public static class ClientAddress
{
    private static readonly object ForwardedKey = new();

    /// <summary>Takes the client's address from <c>X-Forwarded-For</c> when the peer is in <paramref name="trustedProxies"/>; with none, changes nothing.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app, IReadOnlyList<System.Net.IPNetwork> trustedProxies)
    {
        ArgumentNullException.ThrowIfNull(trustedProxies);
        if (trustedProxies.Count == 0)
        {
            return app;
        }

        // Marked before the middleware rewrites the address: a request a trusted proxy sent with X-Forwarded-For is forwarded,
        // whatever address the header names (a loopback one included), so it is never taken for this machine's own.
        app.Use((context, next) =>
        {
            if (context.Connection.RemoteIpAddress is { } peer && context.Request.Headers.ContainsKey("X-Forwarded-For")
                && trustedProxies.Any(network => network.Contains(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer)))
            {
                context.Items[ForwardedKey] = true;
            }

            return next(context);
        });
        // X-Forwarded-Proto too: behind a proxy that ends TLS the request counts as HTTPS, so console cookies are Secure __Host- ones.
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = null };

        // The defaults trust loopback: only the networks given are trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in trustedProxies)
        {
            options.KnownIPNetworks.Add(network);
        }

        return app.UseForwardedHeaders(options);
    }

    /// <summary>Whether a trusted proxy forwarded the request (its peer is a trusted proxy and it carries <c>X-Forwarded-For</c>).</summary>
    public static bool IsForwarded(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.ContainsKey(ForwardedKey);
    }

    /// <summary>Whether the request comes from this machine: its peer is loopback and no proxy forwarded it.</summary>
    public static bool IsLocal(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return !IsForwarded(context) && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
    }

    /// <summary>Whether the request may make the calls accepted unsigned from trusted senders: from this machine (<see cref="IsLocal"/>), or from an address in <paramref name="allowed"/> (<c>--udp-allow</c>), forwarded or not.</summary>
    public static bool MayCallUnsigned(HttpContext context, IReadOnlyList<System.Net.IPNetwork> allowed)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(allowed);
        if (IsLocal(context))
        {
            return true;
        }

        if (context.Connection.RemoteIpAddress is not { } remote)
        {
            return false;
        }

        var source = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return !IPAddress.IsLoopback(source) && allowed.Any(network => network.Contains(source));
    }
}
