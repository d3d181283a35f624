using System.Security.Cryptography;
using System.Text.Json;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>Data key pairs and key agreement through the real clients: the AWS SDK for JavaScript v3 and the AWS CLI.</summary>
public sealed class KmsPairsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_DataKeyPairsAndDeriveSharedSecret_MatchNodeCrypto()
    {
        await NodeClients.RunTestScriptAsync("kms-pairs.test.mjs", _server.ClientEnvironment(), output);
    }

    /// <summary>Debian's AWS CLI 2.9.19 knows generate-data-key-pair(-without-plaintext) but not derive-shared-secret (the JavaScript test covers that).</summary>
    [Fact]
    public async Task AwsCli_GenerateDataKeyPair_PrivateKeyDecryptsAndMatchesThePublicKey()
    {
        var created = await RunJsonAsync("kms", "create-key");
        var keyArn = created.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;

        var pair = await RunJsonAsync("kms", "generate-data-key-pair", "--key-id", keyArn, "--key-pair-spec", "ECC_NIST_P384", "--encryption-context", "app=cli");
        Assert.Equal(keyArn, pair.GetProperty("KeyId").GetString());
        Assert.Equal("ECC_NIST_P384", pair.GetProperty("KeyPairSpec").GetString());
        var blobPath = Path.Combine(_server.DataDirectory, "pair-private.bin");
        await File.WriteAllBytesAsync(blobPath, Convert.FromBase64String(pair.GetProperty("PrivateKeyCiphertextBlob").GetString()!));
        var decrypted = await RunJsonAsync("kms", "decrypt", "--ciphertext-blob", "fileb://" + blobPath, "--encryption-context", "app=cli");
        var privateKey = Convert.FromBase64String(decrypted.GetProperty("Plaintext").GetString()!);
        Assert.Equal(Convert.FromBase64String(pair.GetProperty("PrivateKeyPlaintext").GetString()!), privateKey);
        using var signer = ECDsa.Create();
        signer.ImportPkcs8PrivateKey(privateKey, out _);
        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(Convert.FromBase64String(pair.GetProperty("PublicKey").GetString()!), out _);
        var message = "signed with a data key pair from the CLI"u8.ToArray();
        Assert.True(verifier.VerifyData(message, signer.SignData(message, HashAlgorithmName.SHA384), HashAlgorithmName.SHA384));

        var without = await RunJsonAsync("kms", "generate-data-key-pair-without-plaintext", "--key-id", keyArn, "--key-pair-spec", "RSA_2048");
        Assert.False(without.TryGetProperty("PrivateKeyPlaintext", out _));
        Assert.Equal("RSA_2048", without.GetProperty("KeyPairSpec").GetString());
        await File.WriteAllBytesAsync(blobPath, Convert.FromBase64String(without.GetProperty("PrivateKeyCiphertextBlob").GetString()!));
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String((await RunJsonAsync("kms", "decrypt", "--ciphertext-blob", "fileb://" + blobPath)).GetProperty("Plaintext").GetString()!), out _);
        Assert.Equal(Convert.FromBase64String(without.GetProperty("PublicKey").GetString()!), rsa.ExportSubjectPublicKeyInfo());

        var refused = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "generate-data-key-pair", "--key-id", keyArn, "--key-pair-spec", "SM2");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("UnsupportedOperationException", refused.StandardError, StringComparison.Ordinal);
    }

    private async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed: {result.StandardError}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}
