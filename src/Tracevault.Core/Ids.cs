using System.Security.Cryptography;

namespace Tracevault.Core;

/// <summary>Random identifiers, all drawn from <see cref="RandomNumberGenerator"/>.</summary>
public static class Ids
{
    /// <summary>A random version-4 UUID in lowercase hex with dashes, as KMS key ids are written.</summary>
    public static string NewUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>A random positive 62-bit number, for ids stored as SQLite integers.</summary>
    public static long NewPositiveInt64() => RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue + RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>A random lowercase hex string of <paramref name="bytes"/> bytes.</summary>
    public static string NewHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>A random string of <paramref name="length"/> characters drawn from <paramref name="alphabet"/>.</summary>
    public static string NewString(int length, string alphabet) => RandomNumberGenerator.GetString(alphabet, length);
}
