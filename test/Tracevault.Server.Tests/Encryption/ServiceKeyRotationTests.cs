using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Encryption;

/// <summary><c>tracevault service-key rotate</c> run beside a serving process: new default-encrypted chunks name the new version, and what was sealed before still reads.</summary>
public sealed class ServiceKeyRotationTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-service-key-" + Path.GetRandomFileName());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task ServiceKeyRotate_WhileTheServerRuns_NewChunksNameVersion2AndOldTracesStillRead()
    {
        await using var server = await ServerProcess.StartAsync(_data);
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        using var client = new XRayApiClient(server.Endpoint, keyId, secret);
        var now = Now();
        var before = TraceId(now, "5e1");
        Assert.Empty(await client.PutTraceSegmentsAsync([Segment(before, "70a0b1c2d3e4f501", "before-rotation", now, now + 0.5).ToJsonString()]));
        Assert.Equal([1], ServiceKeyVersionsOfChunks());

        var rotate = await ServerProcess.RunCommandAsync("service-key", "rotate", "--data", _data);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        Assert.Contains("Added service key version 2", rotate.StandardOutput, StringComparison.Ordinal);

        // The running server reads the newest version again within a second: send a trace at a time until a chunk names version 2.
        var sent = new List<string>();
        await Eventually.WaitAsync("a chunk sealed under service key version 2", async () =>
        {
            var traceId = TraceId(now, "5e2" + sent.Count.ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Empty(await client.PutTraceSegmentsAsync([Segment(traceId, "70a0b1c2d3e4f502", "after-rotation", now, now + 0.5).ToJsonString()]));
            sent.Add(traceId);
            return ServiceKeyVersionsOfChunks().Contains(2);
        });

        // From then on every new chunk names version 2; the last one written surely does.
        Assert.Equal(2, ServiceKeyVersionsOfChunks()[^1]);
        Assert.Contains("service key version 2", server.Output, StringComparison.Ordinal);

        // The trace sealed under version 1 and the ones sealed under version 2 all read back through BatchGetTraces.
        foreach (var traceId in sent.Prepend(before))
        {
            var documents = await client.ReadTraceAsync(traceId);
            Assert.True(documents.Count == 1, $"trace {traceId} did not read back:\n{server.Output}");
        }
    }

    /// <summary>The service-key version each chunk's data-key reference (<c>default/VERSION/DAY</c>) names, oldest chunk first.</summary>
    private List<int> ServiceKeyVersionsOfChunks()
    {
        using var connection = new SqliteConnection($"Data Source={DataDirectoryFiles.Database(_data)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data_key_ref FROM chunks ORDER BY id";
        using var reader = command.ExecuteReader();
        var versions = new List<int>();
        while (reader.Read())
        {
            var parts = reader.GetString(0).Split('/');
            Assert.Equal("default", parts[0]);
            versions.Add(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }
}
