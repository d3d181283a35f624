using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>Two real <c>tracevault serve</c> processes on one data directory: separate processes agree through the store alone.</summary>
public sealed class NodeProcessesTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-nodes-" + Path.GetRandomFileName());

    [Fact]
    public async Task TwoServeProcesses_AKeyDisabledThroughOne_StopsTheOtherStoring_WithTheNotice_AndEnabledAgain_BothResume()
    {
        await using var first = await ServerProcess.StartAsync(_data);
        await using var second = await ServerProcess.StartAsync(_data);
        var (accessKeyId, secret) = DataDirectoryFiles.AdminCredentials(_data);

        await NodeAgreementTests.DisableThroughOneNode_StopsTheOther_AndEnabledBothResumeAsync(first.Endpoint, second.Endpoint, accessKeyId, secret);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
