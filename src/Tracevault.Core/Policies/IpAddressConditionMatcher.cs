using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tracevault.Core.Policies;

/// <summary>Network membership, for IpAddress and NotIpAddress; policy values are IPv4 or IPv6 CIDR blocks or single addresses.</summary>
internal sealed class IpAddressConditionMatcher : ConditionValueMatcher
{
    private readonly IPNetwork[] _networks;

    private IpAddressConditionMatcher(IPNetwork[] networks)
    {
        _networks = networks;
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not an address or CIDR block.</summary>
    public static IpAddressConditionMatcher Create(IReadOnlyList<string> values, string where)
    {
        var networks = new IPNetwork[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryParseNetwork(values[i], out networks[i]))
            {
                throw new PolicyFormatException($"{where}: \"{values[i]}\" is not an IP address or CIDR block such as 203.0.113.0/24 or 2001:db8::/32.");
            }
        }

        return new IpAddressConditionMatcher(networks);
    }

    /// <inheritdoc/>
    public override bool Matches(string value)
    {
        if (!IPAddress.TryParse(value, out var address))
        {
            return false;
        }

        // A dual-stack listener reports IPv4 callers as ::ffff:a.b.c.d; policies name them as IPv4.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IsStrictAddress(addressText) || !IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix))
        {
            return false;
        }

        // AWS accepts 203.0.113.7/24 as the block 203.0.113.0/24; IPNetwork wants the host bits cleared.
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    private static bool IsStrictAddress(string text)
    {
        // IPAddress.TryParse also reads "10" and "10.1" as IPv4 and accepts scope ids; a policy must spell the address out.
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return !text.Contains('%', StringComparison.Ordinal);
        }

        return text.AsSpan().Count('.') == 3;
    }
}
