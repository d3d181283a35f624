using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using KeyService = Tracevault.Keys.Kms.KeyService;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Kms;

/// <summary>The AWS SDK for .NET against the in-process server, and what must never be at rest or in the logs.</summary>
public sealed class KmsDotNetSdkTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AmazonKeyManagementServiceClient Client() => new(
        new BasicAWSCredentials(_server.AdminAccessKeyId, _server.AdminSecret),
        new AmazonKeyManagementServiceConfig { ServiceURL = _server.Endpoint, AuthenticationRegion = _server.Region, MaxErrorRetry = 0 });

    [Fact]
    public async Task DotNetSdk_GenerateDataKeyThenDecrypt_RoundTrips()
    {
        using var kms = Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "dotnet" })).KeyMetadata;
        Assert.Equal(KeyState.Enabled, key.KeyState);
        Assert.Equal(Amazon.KeyManagementService.KeySpec.SYMMETRIC_DEFAULT, key.KeySpec);
        var context = new Dictionary<string, string> { ["aws:xray:arn"] = $"arn:aws:xray:us-east-1:{_server.AccountId}:group/Default" };

        var dataKey = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, EncryptionContext = context });
        Assert.Equal(key.Arn, dataKey.KeyId);
        Assert.Equal(32, dataKey.Plaintext.Length);

        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob, EncryptionContext = context, KeyId = key.Arn });
        Assert.Equal(key.Arn, decrypted.KeyId);
        Assert.Equal(dataKey.Plaintext.ToArray(), decrypted.Plaintext.ToArray());

        var wrong = await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob }));
        Assert.Equal(400, (int)wrong.StatusCode);
        var keys = (KeyService)_server.Server.Services.GetService(typeof(KeyService))!;
        var usage = keys.ReadUsage(_server.AccountId, _server.Time.GetUtcNow().ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(usage, u => u.KeyArn == key.Arn && u.Operation == "GenerateDataKey" && u.Requests == 1);
        Assert.Contains(usage, u => u.KeyArn == key.Arn && u.Operation == "Decrypt" && u.Requests == 2);

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/missing" }));
        Assert.Equal($"Alias arn:aws:kms:us-east-1:{_server.AccountId}:alias/missing is not found.", missing.Message);
    }

    [Fact]
    public async Task NoKeyMaterialPlaintextOrDataKey_IsInTheDatabaseTheLogsOrTheTrail()
    {
        using var kms = Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata;
        await kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId });
        var canary = "canary-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream(Encoding.UTF8.GetBytes(canary)) });
        await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob });
        var dataKeys = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            var dataKey = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = 32 });
            dataKeys.Add(dataKey.Plaintext.ToArray());
        }

        var random = await kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 32 });
        dataKeys.Add(random.Plaintext.ToArray());

        // The key material itself, opened here the way only the key service may, to search for it.
        var data = _server.Server.Data;
        var repository = data.Storage.Keys;
        var materials = repository.ListVersions(key.KeyId)
            .Select(v => data.RootKeys.Open(v.SealedMaterial, KeyService.KeyMaterialAssociatedData(key.Arn, v.Version)))
            .ToList();
        Assert.Equal(2, materials.Count);

        SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(_server.DataDirectory).Where(f => Path.GetFileName(f).StartsWith("tracevault.db", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal) || f.EndsWith(".db", StringComparison.Ordinal));
        var secrets = new List<(string Name, byte[] Bytes)> { ("canary", Encoding.UTF8.GetBytes(canary)) };
        secrets.AddRange(dataKeys.Select((k, i) => ($"data key {i}", k)));
        secrets.AddRange(materials.Select((m, i) => ($"key material v{i + 1}", m)));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var (name, secret) in secrets)
            {
                Assert.False(bytes.AsSpan().IndexOf(secret) >= 0, $"{name} found in {Path.GetFileName(file)}");
                Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToBase64String(secret))) >= 0, $"{name} (base64) found in {Path.GetFileName(file)}");
                Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToHexString(secret))) >= 0, $"{name} (hex) found in {Path.GetFileName(file)}");
            }
        }

        var logs = string.Join('\n', _server.Logs.Lines);
        foreach (var (name, secret) in secrets)
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), logs, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(secret), logs, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(canary, logs, StringComparison.Ordinal);
    }
}
