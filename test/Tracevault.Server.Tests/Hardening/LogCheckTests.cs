using System.Globalization;
using System.Text;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Sdk;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>The log check itself can fail: a secret in a JSON log line is found even when the JSON encoder escaped it.</summary>
public sealed class LogCheckTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-logcheck-" + Path.GetRandomFileName());

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
    public async Task AssertClean_SecretEscapedInAJsonLine_Fails()
    {
        Assert.Equal(0, (await ServerProcess.RunCommandAsync("init", "--data", _data)).ExitCode);
        var (_, secret) = DataDirectoryFiles.AdminCredentials(_data);
        var escaped = string.Concat(secret.Select(c => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}")));
        var log = new StringBuilder()
            .AppendLine("""{"EventId":1,"Message":"Tracevault is serving"}""")
            .AppendLine("{\"EventId\":2,\"Message\":\"oops\",\"State\":{\"Secret\":\"" + escaped + "\"}}")
            .ToString();

        Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        Assert.ThrowsAny<XunitException>(() => LogCheck.AssertClean(log, _data, "canary-not-there"));
        LogCheck.AssertClean(log.Split('\n')[0], _data, "canary-not-there");
    }
}
