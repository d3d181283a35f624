using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Kms;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>Imported key material brought by the AWS CLI and OpenSSL (the flow AWS documents) and by the JavaScript SDK, taken away again, and never found at rest.</summary>
public sealed class KmsImportTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Stands still unless a test moves it (past a ValidTo, as its last step: SigV4 allows the clients 15 minutes of skew).
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(time: _clock);

        // The client's own files (the material, wrapped or not) live outside the server's data directory, which is scanned for it.
        _work = Directory.CreateTempSubdirectory("tracevault-import-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task AwsCliAndOpenSsl_ImportedMaterial_EncryptsAndDecrypts_DeletedItShredsUntilTheSameMaterialReturns_AndItIsNeverAtRest()
    {
        var created = await RunJsonAsync("kms", "create-key", "--origin", "EXTERNAL", "--description", "bring your own key");
        var metadata = created.GetProperty("KeyMetadata");
        var keyId = metadata.GetProperty("KeyId").GetString()!;
        Assert.Equal("PendingImport", metadata.GetProperty("KeyState").GetString());
        Assert.Equal("EXTERNAL", metadata.GetProperty("Origin").GetString());
        Assert.False(metadata.GetProperty("Enabled").GetBoolean());

        var (tokenFile, publicKeyFile) = await GetParametersForImportAsync(keyId);
        var materialFile = Path.Combine(_work, "PlaintextKeyMaterial.bin");
        await RunOpenSslAsync("rand", "-out", materialFile, "32");
        var material = await File.ReadAllBytesAsync(materialFile);
        var wrappedFile = await WrapAsync(materialFile, publicKeyFile);
        await RunAsync("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://" + wrappedFile, "--import-token", "fileb://" + tokenFile,
            "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE");

        var described = (await RunJsonAsync("kms", "describe-key", "--key-id", keyId)).GetProperty("KeyMetadata");
        Assert.Equal("Enabled", described.GetProperty("KeyState").GetString());
        Assert.Equal("KEY_MATERIAL_DOES_NOT_EXPIRE", described.GetProperty("ExpirationModel").GetString());
        Assert.False(described.TryGetProperty("ValidTo", out _));

        var plaintextFile = Path.Combine(_work, "plain.txt");
        await File.WriteAllTextAsync(plaintextFile, "protected by imported material");
        var ciphertextFile = Path.Combine(_work, "cipher.bin");
        var encrypted = await RunJsonAsync("kms", "encrypt", "--key-id", keyId, "--plaintext", "fileb://" + plaintextFile, "--encryption-context", "app=byok");
        await File.WriteAllBytesAsync(ciphertextFile, Convert.FromBase64String(encrypted.GetProperty("CiphertextBlob").GetString()!));
        Assert.Equal("protected by imported material", await DecryptAsync(ciphertextFile));

        // Taken away: the key waits for its material, and what it encrypted does not decrypt.
        await RunAsync("kms", "delete-imported-key-material", "--key-id", keyId);
        Assert.Equal("PendingImport", (await RunJsonAsync("kms", "describe-key", "--key-id", keyId)).GetProperty("KeyMetadata").GetProperty("KeyState").GetString());
        var refused = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "decrypt", "--ciphertext-blob", "fileb://" + ciphertextFile, "--encryption-context", "app=byok");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("KMSInvalidStateException", refused.StandardError);

        // Other material is refused; the same material, now expiring, brings the ciphertext back.
        var otherFile = Path.Combine(_work, "OtherKeyMaterial.bin");
        await RunOpenSslAsync("rand", "-out", otherFile, "32");
        (tokenFile, publicKeyFile) = await GetParametersForImportAsync(keyId);
        var other = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "import-key-material", "--key-id", keyId,
            "--encrypted-key-material", "fileb://" + await WrapAsync(otherFile, publicKeyFile), "--import-token", "fileb://" + tokenFile, "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE");
        output.WriteLine(other.Output);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("IncorrectKeyMaterialException", other.StandardError);

        var validTo = DateTimeOffset.UtcNow.AddDays(30);
        await RunAsync("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://" + await WrapAsync(materialFile, publicKeyFile), "--import-token", "fileb://" + tokenFile,
            "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", validTo.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("protected by imported material", await DecryptAsync(ciphertextFile));
        described = (await RunJsonAsync("kms", "describe-key", "--key-id", keyId)).GetProperty("KeyMetadata");
        Assert.Equal("KEY_MATERIAL_EXPIRES", described.GetProperty("ExpirationModel").GetString());
        Assert.Equal(validTo.ToUnixTimeSeconds(), Date(described.GetProperty("ValidTo")).ToUnixTimeSeconds());

        await AssertNeverAtRestAsync(material);
    }

    [Fact]
    public async Task ExpiringMaterial_WhenValidToPasses_TheSweepDeletesIt_WithoutAnyoneTouchingTheKey()
    {
        var keyId = (await RunJsonAsync("kms", "create-key", "--origin", "EXTERNAL")).GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var (tokenFile, publicKeyFile) = await GetParametersForImportAsync(keyId);
        var materialFile = Path.Combine(_work, "ExpiringKeyMaterial.bin");
        await File.WriteAllBytesAsync(materialFile, RandomNumberGenerator.GetBytes(32));
        var validTo = _clock.GetUtcNow().AddHours(1);
        await RunAsync("kms", "import-key-material", "--key-id", keyId, "--encrypted-key-material", "fileb://" + await WrapAsync(materialFile, publicKeyFile), "--import-token", "fileb://" + tokenFile,
            "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", validTo.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var repository = _server.Server.Data.Storage.Keys;
        Assert.Equal(KeyState.Enabled, repository.FindKey(keyId)?.State);
        Assert.Single(repository.ListVersions(keyId));

        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2));

        // Read from the store, not through the key service (which would delete it on touch): the sweep did it.
        Assert.Contains(_server.Logs.Lines, line => line.Contains("Deleted the imported key material of 1 key(s)", StringComparison.Ordinal));
        var stored = repository.FindKey(keyId)!;
        Assert.Equal((KeyState.PendingImport, null, null), (stored.State, stored.ExpirationModel, stored.ValidTo));
        Assert.Empty(repository.ListVersions(keyId));
    }

    [Fact]
    public async Task JavaScriptSdk_ImportsMaterialWrappedByNodeCrypto_AndDeletesIt()
    {
        await NodeClients.RunTestScriptAsync("kms-import.test.mjs", _server.ClientEnvironment(), output);
    }

    private async Task<(string TokenFile, string PublicKeyFile)> GetParametersForImportAsync(string keyId)
    {
        var parameters = await RunJsonAsync("kms", "get-parameters-for-import", "--key-id", keyId, "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048");
        var validTo = Date(parameters.GetProperty("ParametersValidTo"));
        Assert.InRange(validTo, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));
        var tokenFile = Path.Combine(_work, $"ImportToken-{Guid.NewGuid():N}.bin");
        var publicKeyFile = Path.Combine(_work, $"PublicKey-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(tokenFile, Convert.FromBase64String(parameters.GetProperty("ImportToken").GetString()!));
        await File.WriteAllBytesAsync(publicKeyFile, Convert.FromBase64String(parameters.GetProperty("PublicKey").GetString()!));
        return (tokenFile, publicKeyFile);
    }

    /// <summary>Wraps material as AWS's guide does for RSAES_OAEP_SHA_256.</summary>
    private async Task<string> WrapAsync(string materialFile, string publicKeyFile)
    {
        var wrappedFile = Path.Combine(_work, $"EncryptedKeyMaterial-{Guid.NewGuid():N}.bin");
        await RunOpenSslAsync("pkeyutl", "-encrypt", "-in", materialFile, "-out", wrappedFile, "-inkey", publicKeyFile, "-keyform", "DER", "-pubin",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256");
        return wrappedFile;
    }

    private async Task<string> DecryptAsync(string ciphertextFile)
    {
        var decrypted = await RunJsonAsync("kms", "decrypt", "--ciphertext-blob", "fileb://" + ciphertextFile, "--encryption-context", "app=byok");
        return Encoding.UTF8.GetString(Convert.FromBase64String(decrypted.GetProperty("Plaintext").GetString()!));
    }

    /// <summary>The material, raw, base64 or hex, is in no file of the data directory and in no log line.</summary>
    private async Task AssertNeverAtRestAsync(byte[] material)
    {
        SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(_server.DataDirectory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("tracevault.db", StringComparison.Ordinal));
        var forms = new[] { material, Encoding.ASCII.GetBytes(Convert.ToBase64String(material)), Encoding.ASCII.GetBytes(Convert.ToHexString(material)), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(material)) };
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.All(forms, form => Assert.False(bytes.AsSpan().IndexOf(form) >= 0, $"the imported key material is in {Path.GetFileName(file)}"));
        }

        var logs = string.Join('\n', _server.Logs.Lines);
        Assert.DoesNotContain(Convert.ToBase64String(material), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(material), logs, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A timestamp as the CLI prints it (ISO 8601).</summary>
    private static DateTimeOffset Date(JsonElement value) => DateTimeOffset.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private async Task RunOpenSslAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("openssl", arguments, _work);
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    private async Task RunAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    private async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} failed:\n{result.Output}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }
}
