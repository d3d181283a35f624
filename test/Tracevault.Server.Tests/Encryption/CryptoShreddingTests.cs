using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Kms;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.Encryption;

/// <summary>Crypto-shredding that holds: once a customer key's deletion window ends, no file keeps its material, no process opens what it protected, and its traces cannot be found.</summary>
public sealed class CryptoShreddingTests
{
    [Fact]
    public async Task AfterTheDeletionWindow_NoFileHoldsTheKeysSealedMaterial_AndAServerThatReadTheTraceCannotAnyMore()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        var settings = server.Server.Services.GetRequiredService<EncryptionSettingsService>();
        var policy = server.Server.Services.GetRequiredService<DataKeyPolicy>();
        var kms = server.Server.Services.GetRequiredService<KeyService>();
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(client, clock.GetUtcNow());
        using (var rotate = await client.KmsAsync("RotateKeyOnDemand", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}"""), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(rotate);
        }

        await EncryptionSettingsTests.PutKmsSettingAsync(client, keyArn, clock.GetUtcNow());
        settings.PropagateOnce();
        var traceId = TraceDocuments.NewTraceId(clock.GetUtcNow());
        using (var stored = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(traceId, clock.GetUtcNow())]), clock.GetUtcNow()))
        {
            Assert.Equal(0, (await TraceDocuments.ReadJsonAsync(stored)).GetProperty("UnprocessedTraceSegments").GetArrayLength());
        }

        // The server reads the trace: the data key it opened is in its caches now.
        using (var read = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]), clock.GetUtcNow()))
        {
            Assert.Equal(1, (await TraceDocuments.ReadJsonAsync(read)).GetProperty("Traces").GetArrayLength());
        }

        Assert.True(policy.CachedDataKeys > 0);

        // The trace's blind-index entry is keyed by a secret the customer key wraps, not by the service key: holding the service
        // key (and the database) is not enough to test whether a known trace id is stored.
        var byServiceKey = TraceIndexHasher.Hash(server.Server.Services.GetRequiredService<DefaultDataKeys>().TraceIndexKey(server.AccountId), traceId);
        Assert.Equal(0, CountIndexRows(server, byServiceKey));
        Assert.Equal(1, CountIndexRows(server, null));

        var sealedMaterial = SealedMaterial(server, keyArn);
        Assert.Equal(2, sealedMaterial.Count);
        Assert.NotEmpty(FilesHolding(server.DataDirectory, sealedMaterial));

        using (var schedule = await client.KmsAsync("ScheduleKeyDeletion", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}","PendingWindowInDays":7}"""), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(schedule);
        }

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        kms.DestroyDueKeys();
        Assert.False(kms.ErasePending);

        // The server that read the trace before cannot even find it now (its index key went with the customer key): it answers
        // as for a trace it never had. And it holds no data key the destroyed key protected.
        using (var gone = await client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]), clock.GetUtcNow()))
        {
            var answer = await TraceDocuments.ReadJsonAsync(gone);
            Assert.Equal(0, answer.GetProperty("Traces").GetArrayLength());
            Assert.Equal([traceId], answer.GetProperty("UnprocessedTraceIds").EnumerateArray().Select(id => id.GetString()));
        }

        Assert.Equal(0, policy.CachedDataKeys);
        Assert.Contains(server.Logs.Lines, line => line.Contains("[250]", StringComparison.Ordinal) && line.Contains(keyArn, StringComparison.Ordinal));

        // No file of the data directory (the database, its -wal and -shm, anything else) keeps any of the sealed material.
        Assert.Empty(FilesHolding(server.DataDirectory, sealedMaterial));
    }

    /// <summary>How many blind-index rows (dated, of traces with X-Ray ids) have the key given, or any key when null.</summary>
    private static long CountIndexRows(TestServer server, long? key)
    {
        using var connection = ((Storage.Sqlite.SqliteBackend)server.Server.Data.Storage).Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM blind_index WHERE $key IS NULL OR trace_key = $key";
        command.Parameters.AddWithValue("$key", (object?)key ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The sealed material of every version of a key, as the database holds it.</summary>
    private static List<byte[]> SealedMaterial(TestServer server, string keyArn)
    {
        using var connection = ((Storage.Sqlite.SqliteBackend)server.Server.Data.Storage).Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sealed_material FROM kms_key_versions WHERE key_id = $id ORDER BY version";
        command.Parameters.AddWithValue("$id", keyArn[(keyArn.LastIndexOf('/') + 1)..]);
        using var reader = command.ExecuteReader();
        var material = new List<byte[]>();
        while (reader.Read())
        {
            material.Add((byte[])reader[0]);
        }

        return material;
    }

    /// <summary>
    /// The files that hold any 16-byte piece of the sealed blobs' last 60 bytes (nonce, ciphertext and tag: random, unlike their
    /// 5-byte header, which names the root key every sealed blob shares), so even a partly overwritten copy is found.
    /// </summary>
    private static List<string> FilesHolding(string dataDirectory, IReadOnlyList<byte[]> blobs)
    {
        var pieces = blobs.SelectMany(blob => Enumerable.Range(0, 12).Select(i => blob.AsSpan(blob.Length - 60 + i * 4, 16).ToArray())).ToList();
        var holding = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }

            if (pieces.Any(piece => bytes.AsSpan().IndexOf(piece) >= 0))
            {
                holding.Add(Path.GetFileName(file));
            }
        }

        return holding;
    }
}
