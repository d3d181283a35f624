using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>After <c>root-key rotate</c> and <c>root-key retire</c>, the retired root keys open nothing in the directory, and everything still works.</summary>
public sealed class RootKeyRetireTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-retire-").FullName;

    private string Data => Path.Combine(_root, "data");

    private string RootKeyPath => Path.Combine(Data, "root.key");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RotateThenRetire_RetiredKeysOpenNothingInTheDirectory_AuditVerifies_RefusedWhileInUse()
    {
        // Key material (two versions), access-key secrets, the service key and audit records, all under root key 1.
        string accessKeyId, secret, keyArn;
        MemoryStream blob;
        // Servers are stopped with Server.DisposeAsync: disposing a TestServer would remove its data directory.
        var first = await TestServer.StartAsync(dataDirectory: Data);
        (accessKeyId, secret) = (first.AdminAccessKeyId, first.AdminSecret);
        first.CreateUser("bob");
        using (var kms = Client(first.Endpoint, accessKeyId, secret))
        {
            keyArn = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
            await kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyArn });
            blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = keyArn, Plaintext = new MemoryStream("sealed before the rotation"u8.ToArray()) })).CiphertextBlob;
        }

        await first.Server.DisposeAsync();

        SqliteConnection.ClearAllPools();

        // The current key is never retired.
        var current = await RunAsync("root-key", "retire", "1", "--data", Data);
        AssertRefused(current, "Cannot retire root key 1: root key 1 is the current root key");

        // A ring with a second key whose re-seal never happened (an interrupted rotation): key 1 still seals everything.
        RootKeyRing.Load(RootKeyPath).AddKey().Save(RootKeyPath);
        var retiredRing = File.ReadAllBytes(RootKeyPath);
        var inUse = await RunAsync("root-key", "retire", "1", "--data", Data);
        AssertRefused(inUse, "root key 1 still seals 2 key version(s), 2 access key(s) and 1 service key(s)");
        Assert.Contains("root-key rotate", inUse.StandardError, StringComparison.Ordinal);
        Assert.Equal(retiredRing, File.ReadAllBytes(RootKeyPath));
        AssertRefused(await RunAsync("root-key", "retire", "7", "--data", Data), "holds no root key 7 (it holds 1, 2)");

        var rotate = await RunAsync("root-key", "rotate", "--data", Data);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        Assert.Contains("Added root key 3", rotate.StandardOutput, StringComparison.Ordinal);

        // More audit records, now linked under root key 3 after those linked under root key 1.
        var second = await TestServer.StartAsync(dataDirectory: Data);
        using (var kms = Client(second.Endpoint, accessKeyId, secret))
        {
            await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyArn });
        }

        await second.Server.DisposeAsync();

        SqliteConnection.ClearAllPools();
        foreach (var id in new[] { "1", "2" })
        {
            var retire = await RunAsync("root-key", "retire", id, "--data", Data);
            Assert.True(retire.ExitCode == 0, retire.Output);
            Assert.Contains($"Retired root key {id}", retire.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Equal([3], RootKeyRing.Load(RootKeyPath).KeyIds);
        var verify = await RunAsync("audit", "verify", "--data", Data);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.StartsWith("verified ", verify.StandardOutput, StringComparison.Ordinal);

        // Every root-sealed blob, link and head names root key 3, and the database no longer expects the retired keys.
        var sealedBlobs = ReadSealed();
        Assert.Equal(5, sealedBlobs.Count);
        Assert.All(sealedBlobs, b => Assert.Equal(3, RootKeyRing.SealingKeyId(b.Sealed)));
        Assert.Equal([3L], Column("SELECT DISTINCT key_id FROM audit_events UNION SELECT key_id FROM audit_head"));
        Assert.Equal([3L], Column("SELECT key_id FROM root_keys"));

        // The retired keys' material is in no file of the directory, and they open no blob anywhere in it, whatever its place.
        var retired = RootKeyFileOf(retiredRing);
        var material = RetiredMaterial(retiredRing);
        foreach (var file in Directory.EnumerateFiles(Data))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            var text = Encoding.Latin1.GetString(bytes);
            foreach (var key in material)
            {
                Assert.False(bytes.AsSpan().IndexOf(key) >= 0, $"{file} holds a retired root key");
                Assert.DoesNotContain(Convert.ToBase64String(key), text, StringComparison.Ordinal);
            }

            Assert.Equal(0, OpenedAnywhere(bytes, retired, sealedBlobs));
        }

        // A copy of the directory given the retired keys opens nothing; the server still opens everything under the key it keeps.
        var copy = Directory.CreateDirectory(Path.Combine(_root, "copy")).FullName;
        foreach (var file in Directory.EnumerateFiles(Data).Where(f => Path.GetFileName(f) != "root.key"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var oldKeyFile = Path.Combine(_root, "retired.key");
        await File.WriteAllBytesAsync(oldKeyFile, retiredRing);
        var stolen = await RunAsync("users", "list", "--data", copy, "--root-key-file", oldKeyFile);
        Assert.NotEqual(0, stolen.ExitCode);
        Assert.Contains("lacks root key 3", stolen.StandardError, StringComparison.Ordinal);

        await using var third = await TestServer.StartAsync(dataDirectory: Data);
        using var again = Client(third.Endpoint, accessKeyId, secret);
        var decrypted = await again.DecryptAsync(new DecryptRequest { CiphertextBlob = blob });
        Assert.Equal("sealed before the rotation", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Retire_AuditTrailAlteredBefore_StillReportedAfterTheReLinking()
    {
        var server = await TestServer.StartAsync(dataDirectory: Data);
        using (var kms = Client(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret))
        {
            await kms.CreateKeyAsync(new CreateKeyRequest());
            await kms.CreateKeyAsync(new CreateKeyRequest());
        }

        await server.Server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(Data, "tracevault.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                DROP TRIGGER audit_events_no_update;
                UPDATE audit_events SET username = 'somebody-else' WHERE seq = 1;
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
                """;
            command.ExecuteNonQuery();
        }

        var rotate = await RunAsync("root-key", "rotate", "--data", Data);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        var retire = await RunAsync("root-key", "retire", "1", "--data", Data);
        Assert.True(retire.ExitCode == 0, retire.Output);
        Assert.Equal([2L], Column("SELECT DISTINCT key_id FROM audit_events"));

        // Every link now matches under root key 2, but the change made before is kept in the sealed head, and reported.
        var verify = await RunAsync("audit", "verify", "--data", Data);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("its link does not match", verify.StandardError, StringComparison.Ordinal);
        Assert.Contains("found when root key 1 was retired", verify.StandardError, StringComparison.Ordinal);
    }

    /// <summary>How many places in <paramref name="bytes"/> hold a blob that <paramref name="ring"/> opens, trying each blob's length and associated data at every header that names one of its keys.</summary>
    private static int OpenedAnywhere(byte[] bytes, RootKeyRing ring, List<(byte[] Sealed, byte[] AssociatedData)> candidates)
    {
        var opened = 0;
        for (var i = 0; i + 5 <= bytes.Length; i++)
        {
            if (bytes[i] != RootKeyRing.FormatVersion || !ring.KeyIds.Contains(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 1, 4))))
            {
                continue;
            }

            foreach (var (sealedBlob, associatedData) in candidates)
            {
                if (i + sealedBlob.Length > bytes.Length)
                {
                    continue;
                }

                try
                {
                    CryptographicOperations.ZeroMemory(ring.Open(bytes.AsSpan(i, sealedBlob.Length), associatedData));
                    opened++;
                }
                catch (CryptographicException)
                {
                }
            }
        }

        return opened;
    }

    private List<(byte[] Sealed, byte[] AssociatedData)> ReadSealed()
    {
        var blobs = new List<(byte[], byte[])>();
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT v.sealed_material, k.arn, v.version, NULL FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id
            UNION ALL SELECT sealed_secret, NULL, NULL, id FROM access_keys
            UNION ALL SELECT sealed_key, NULL, version, NULL FROM service_keys
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sealedBlob = (byte[])reader[0];
            var associatedData = !reader.IsDBNull(1) ? Keys.Kms.KeyService.KeyMaterialAssociatedData(reader.GetString(1), reader.GetInt32(2))
                : !reader.IsDBNull(3) ? IdentityService.AccessKeyAssociatedData(reader.GetString(3))
                : ServiceKey.SealingAssociatedData(reader.GetInt32(2));
            blobs.Add((sealedBlob, associatedData));
        }

        return blobs;
    }

    private List<long> Column(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(Data, "tracevault.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    private RootKeyRing RootKeyFileOf(byte[] content)
    {
        var path = Path.Combine(_root, "ring-" + Path.GetRandomFileName());
        File.WriteAllBytes(path, content);
        return RootKeyRing.Load(path);
    }

    private static List<byte[]> RetiredMaterial(byte[] content)
    {
        using var json = System.Text.Json.JsonDocument.Parse(content);
        return json.RootElement.GetProperty("keys").EnumerateArray().Select(k => Convert.FromBase64String(k.GetProperty("key").GetString()!)).ToList();
    }

    private async Task<ProcessRunner.Result> RunAsync(params string[] arguments)
    {
        var result = await ServerProcess.RunCommandAsync(arguments);
        output.WriteLine(string.Join(' ', arguments) + " => " + result.ExitCode + "\n" + result.Output);
        return result;
    }

    private static void AssertRefused(ProcessRunner.Result result, string message)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.StandardError.TrimEnd('\n', '\r'));
        Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
    }

    private static AmazonKeyManagementServiceClient Client(string endpoint, string accessKeyId, string secret) => new(
        new BasicAWSCredentials(accessKeyId, secret),
        new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
