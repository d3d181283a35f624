using System.Text;
using Tracevault.Core;

namespace Tracevault.Keys.Kms;

/// <summary>Grant tokens: nonsecret, base64 strings that name a grant so it can be used or retired at once.</summary>
public static class KmsGrantToken
{
    private const string Prefix = "tvgt1";

    /// <summary>Makes a new token for a grant.</summary>
    public static string Create(string keyId, string grantId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Prefix}:{keyId}:{grantId}:{Ids.NewHex(16)}"));

    /// <summary>Reads the key and grant a token names, or returns false.</summary>
    public static bool TryRead(string token, out string keyId, out string grantId)
    {
        keyId = grantId = "";
        var buffer = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, buffer, out var written))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(buffer, 0, written).Split(':');
        if (parts.Length != 4 || parts[0] != Prefix)
        {
            return false;
        }

        keyId = parts[1];
        grantId = parts[2];
        return true;
    }
}
