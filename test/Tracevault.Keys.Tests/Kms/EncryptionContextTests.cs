using System.Text;
using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Tests.Kms;

public sealed class EncryptionContextTests
{
    [Fact]
    public void Encode_EmptyContext_IsNoBytes() => Assert.Empty(EncryptionContext.Encode(EncryptionContext.Empty));

    [Fact]
    public void Encode_PairsSortedByUtf8Key_LengthPrefixed()
    {
        var encoded = EncryptionContext.Encode(new Dictionary<string, string> { ["b"] = "2", ["a"] = "11" });
        byte[] expected = [0, 2, 0, 1, (byte)'a', 0, 2, (byte)'1', (byte)'1', 0, 1, (byte)'b', 0, 1, (byte)'2'];
        Assert.Equal(expected, encoded);
    }

    [Fact]
    public void Encode_ContextsThatConcatenateAlike_DoNotCollide()
    {
        var first = EncryptionContext.Encode(new Dictionary<string, string> { ["ab"] = "c" });
        var second = EncryptionContext.Encode(new Dictionary<string, string> { ["a"] = "bc" });
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Encode_SortsByBytesNotByCulture()
    {
        // 'Z' (0x5A) sorts before 'a' (0x61) and 'é' (0xC3 0xA9) after both, by UTF-8 bytes.
        var encoded = EncryptionContext.Encode(new Dictionary<string, string> { ["é"] = "", ["a"] = "", ["Z"] = "" });
        var keys = new List<string>();
        for (var offset = 2; offset < encoded.Length;)
        {
            var keyLength = (encoded[offset] << 8) | encoded[offset + 1];
            keys.Add(Encoding.UTF8.GetString(encoded, offset + 2, keyLength));
            offset += 2 + keyLength + 2;
        }

        Assert.Equal(["Z", "a", "é"], keys);
    }
}
