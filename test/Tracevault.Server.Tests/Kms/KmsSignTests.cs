using System.Security.Cryptography;
using System.Text.Json;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>Sign/Verify and GenerateMac/VerifyMac through the real clients: the AWS SDK for JavaScript v3 and the AWS CLI.</summary>
public sealed class KmsSignTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_SignVerifyAndMacs_VerifyWithNodeCryptoAndRefuseChangedMessages()
    {
        await NodeClients.RunTestScriptAsync("kms-sign.test.mjs", _server.ClientEnvironment(), output);
    }

    [Fact]
    public async Task AwsCli_SignVerifyAndMacRoundTrips_AndAChangedMessageIsInvalid()
    {
        var created = await RunJsonAsync("kms", "create-key", "--key-spec", "ECC_SECG_P256K1", "--key-usage", "SIGN_VERIFY");
        var keyArn = created.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var messagePath = Path.Combine(_server.DataDirectory, "message.bin");
        var otherPath = Path.Combine(_server.DataDirectory, "other.bin");
        var signaturePath = Path.Combine(_server.DataDirectory, "signature.bin");
        var message = "signed by the CLI \u0001\u00ff"u8.ToArray();
        await File.WriteAllBytesAsync(messagePath, message);
        await File.WriteAllBytesAsync(otherPath, "signed by someone else"u8.ToArray());

        var signed = await RunJsonAsync("kms", "sign", "--key-id", keyArn, "--message", "fileb://" + messagePath, "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256");
        Assert.Equal(keyArn, signed.GetProperty("KeyId").GetString());
        Assert.Equal("ECDSA_SHA_256", signed.GetProperty("SigningAlgorithm").GetString());
        var signature = Convert.FromBase64String(signed.GetProperty("Signature").GetString()!);
        await File.WriteAllBytesAsync(signaturePath, signature);

        var verified = await RunJsonAsync("kms", "verify", "--key-id", keyArn, "--message", "fileb://" + messagePath, "--signature", "fileb://" + signaturePath, "--signing-algorithm", "ECDSA_SHA_256");
        Assert.True(verified.GetProperty("SignatureValid").GetBoolean());
        Assert.Equal(keyArn, verified.GetProperty("KeyId").GetString());

        // .NET checks the CLI's signature with the public key the CLI fetched.
        var publicKey = await RunJsonAsync("kms", "get-public-key", "--key-id", keyArn);
        using (var ecdsa = ECDsa.Create())
        {
            ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey.GetProperty("PublicKey").GetString()!), out _);
            Assert.True(ecdsa.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        var refused = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "verify", "--key-id", keyArn, "--message", "fileb://" + otherPath,
            "--signature", "fileb://" + signaturePath, "--signing-algorithm", "ECDSA_SHA_256");
        output.WriteLine(refused.Output);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("KMSInvalidSignatureException", refused.StandardError);

        var macKey = await RunJsonAsync("kms", "create-key", "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC");
        var macKeyId = macKey.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var mac = await RunJsonAsync("kms", "generate-mac", "--key-id", macKeyId, "--message", "fileb://" + messagePath, "--mac-algorithm", "HMAC_SHA_256");
        var macPath = Path.Combine(_server.DataDirectory, "mac.bin");
        await File.WriteAllBytesAsync(macPath, Convert.FromBase64String(mac.GetProperty("Mac").GetString()!));
        var macVerified = await RunJsonAsync("kms", "verify-mac", "--key-id", macKeyId, "--message", "fileb://" + messagePath, "--mac", "fileb://" + macPath, "--mac-algorithm", "HMAC_SHA_256");
        Assert.True(macVerified.GetProperty("MacValid").GetBoolean());
        var macRefused = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "verify-mac", "--key-id", macKeyId, "--message", "fileb://" + otherPath,
            "--mac", "fileb://" + macPath, "--mac-algorithm", "HMAC_SHA_256");
        Assert.NotEqual(0, macRefused.ExitCode);
        Assert.Contains("KMSInvalidMacException", macRefused.StandardError);
    }

    private async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed:\n{result.Output}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}
