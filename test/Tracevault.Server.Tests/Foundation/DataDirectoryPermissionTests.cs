using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>Every file Tracevault makes in a data directory is its owner's alone, whatever the umask it was started with.</summary>
public sealed partial class DataDirectoryPermissionTests(ITestOutputHelper output) : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-modes-" + Path.GetRandomFileName());

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task EveryFile_IsOwnerOnly_UnderAPermissiveUmask()
    {
        var init = await ServerProcess.RunCommandWithUmaskAsync("000", "init", "--data", _data);
        Assert.True(init.ExitCode == 0, init.Output);
        AssertOwnerOnly("after init");

        await using (var server = await ServerProcess.StartAsync(_data, umask: "000"))
        {
            var credentials = File.ReadAllText(Path.Combine(_data, "credentials"));
            using var client = new SignedHttpClient(server.Endpoint, CredentialLine().Match(credentials).Groups[1].Value, SecretLine().Match(credentials).Groups[1].Value);
            var now = DateTimeOffset.UtcNow;
            using var put = await client.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)]));
            var answer = await TraceDocuments.ReadJsonAsync(put);
            Assert.Equal(0, answer.GetProperty("UnprocessedTraceSegments").GetArrayLength());
            using var created = await client.KmsAsync("CreateKey", SignedHttpClient.Json("{}"));
            await TraceDocuments.ReadJsonAsync(created);

            // While the server runs, the database's write-ahead log and shared-memory index exist too.
            var names = Directory.EnumerateFiles(_data).Select(path => Path.GetFileName(path)).ToArray();
            Assert.Contains("tracevault.db-wal", names);
            Assert.Contains("tracevault.db-shm", names);
            AssertOwnerOnly("while serving");
        }

        var rotate = await ServerProcess.RunCommandWithUmaskAsync("000", "root-key", "rotate", "--data", _data);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        AssertOwnerOnly("after root-key rotate");
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void AssertOwnerOnly(string when)
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_data));
        var modes = Directory.EnumerateFiles(_data).ToDictionary(path => Path.GetFileName(path), File.GetUnixFileMode);
        foreach (var (name, mode) in modes)
        {
            output.WriteLine($"{when}: {name} {Convert.ToString((int)mode, 8)}");
        }

        Assert.Contains("root.key", modes.Keys);
        Assert.Contains("credentials", modes.Keys);
        Assert.Contains("tracevault.db", modes.Keys);
        Assert.All(modes, file => Assert.True(file.Value == OwnerReadWrite, $"{when}: {file.Key} is {Convert.ToString((int)file.Value, 8)}"));
    }

    [GeneratedRegex("aws_access_key_id = (\\S+)")]
    private static partial Regex CredentialLine();

    [GeneratedRegex("aws_secret_access_key = (\\S+)")]
    private static partial Regex SecretLine();
}
