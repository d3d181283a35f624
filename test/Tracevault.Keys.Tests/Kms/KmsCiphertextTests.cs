using System.Security.Cryptography;
using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Tests.Kms;

public sealed class KmsCiphertextTests
{
    private const string KeyId = "1234abcd-12ab-44cd-96ef-1234567890ab";
    private static readonly byte[] Material = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly Dictionary<string, string> Context = new() { ["tenant"] = "acme" };

    [Fact]
    public void Seal_Header_NamesFormatKeyAndVersion()
    {
        var blob = KmsCiphertext.Seal(Material, KeyId, 7, "hello"u8, Context);
        Assert.Equal(KmsCiphertext.FormatVersion, blob[0]);
        Assert.Equal(Convert.FromHexString("1234abcd12ab44cd96ef1234567890ab"), blob[1..17]);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, blob[17..21]);
        Assert.Equal(5 + KmsCiphertext.Overhead, blob.Length);
        Assert.True(KmsCiphertext.TryReadHeader(blob, out var keyId, out var version));
        Assert.Equal((KeyId, 7), (keyId, version));
    }

    [Fact]
    public void Open_SameContextInAnyOrder_ReturnsPlaintext()
    {
        var context = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        var blob = KmsCiphertext.Seal(Material, KeyId, 1, "hello"u8, context);
        Assert.Equal("hello"u8.ToArray(), KmsCiphertext.Open(Material, blob, new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
    }

    [Fact]
    public void Open_WrongContext_Throws()
    {
        var blob = KmsCiphertext.Seal(Material, KeyId, 1, "hello"u8, Context);
        Assert.ThrowsAny<CryptographicException>(() => KmsCiphertext.Open(Material, blob, new Dictionary<string, string> { ["tenant"] = "Acme" }));
        Assert.ThrowsAny<CryptographicException>(() => KmsCiphertext.Open(Material, blob, EncryptionContext.Empty));
    }

    [Fact]
    public void Open_HeaderAltered_Throws()
    {
        var blob = KmsCiphertext.Seal(Material, KeyId, 1, "hello"u8, Context);
        blob[20] = 2;
        Assert.ThrowsAny<CryptographicException>(() => KmsCiphertext.Open(Material, blob, Context));
    }

    [Fact]
    public void TryReadHeader_ForeignBlob_IsFalse()
    {
        Assert.False(KmsCiphertext.TryReadHeader(new byte[10], out _, out _));
        var blob = KmsCiphertext.Seal(Material, KeyId, 1, "x"u8, Context);
        blob[0] = 9;
        Assert.False(KmsCiphertext.TryReadHeader(blob, out _, out _));
    }

    [Fact]
    public void Seal_UnderAMessageKeyDerivedFromTheMaterialAndTheBlobsSalt_NotTheMaterialItself()
    {
        var blob = KmsCiphertext.Seal(Material, KeyId, 1, "hello"u8, Context);
        var again = KmsCiphertext.Seal(Material, KeyId, 1, "hello"u8, Context);
        var header = blob[..KmsCiphertext.HeaderSize];
        var salt = blob[21..KmsCiphertext.HeaderSize];
        var nonce = blob.AsSpan(KmsCiphertext.HeaderSize, 12);
        var sealedText = blob.AsSpan(KmsCiphertext.HeaderSize + 12, 5);
        var tag = blob.AsSpan(blob.Length - 16);
        var associatedData = header.Concat(EncryptionContext.Encode(Context)).ToArray();
        var plaintext = new byte[5];

        Assert.Equal(2, blob[0]);
        Assert.NotEqual(salt, again[21..KmsCiphertext.HeaderSize]);
        using (var underMaterial = new AesGcm(Material, 16))
        {
            var error = Record.Exception(() => underMaterial.Decrypt(blob.AsSpan(KmsCiphertext.HeaderSize, 12), blob.AsSpan(KmsCiphertext.HeaderSize + 12, 5), blob.AsSpan(blob.Length - 16), plaintext, associatedData));
            Assert.IsAssignableFrom<CryptographicException>(error);
        }

        using var underMessageKey = new AesGcm(HKDF.DeriveKey(HashAlgorithmName.SHA256, Material, 32, salt, "tracevault/kms-message-key/v2"u8.ToArray()), 16);
        underMessageKey.Decrypt(nonce, sealedText, tag, plaintext, associatedData);
        Assert.Equal("hello"u8.ToArray(), plaintext);
    }

    [Fact]
    public void Open_Format1Blob_SealedUnderTheMaterialItself_StillOpens()
    {
        // Format 1, built here as it was written before message keys: 0x01, key UUID, version, nonce, ciphertext, tag.
        var header = new byte[21];
        header[0] = 1;
        Convert.FromHexString("1234abcd12ab44cd96ef1234567890ab").CopyTo(header, 1);
        header[20] = 3;
        var nonce = RandomNumberGenerator.GetBytes(12);
        var sealedText = new byte[5];
        var tag = new byte[16];
        using (var gcm = new AesGcm(Material, 16))
        {
            gcm.Encrypt(nonce, "hello"u8, sealedText, tag, header.Concat(EncryptionContext.Encode(Context)).ToArray());
        }

        var blob = header.Concat(nonce).Concat(sealedText).Concat(tag).ToArray();

        Assert.True(KmsCiphertext.TryReadHeader(blob, out var keyId, out var version));
        Assert.Equal((KeyId, 3), (keyId, version));
        Assert.Equal("hello"u8.ToArray(), KmsCiphertext.Open(Material, blob, Context));
        Assert.ThrowsAny<CryptographicException>(() => KmsCiphertext.Open(Material, blob, EncryptionContext.Empty));
    }
}
