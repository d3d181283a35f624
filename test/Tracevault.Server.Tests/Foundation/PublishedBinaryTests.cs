using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Server.Hosting;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>
/// The README's Install: the self-contained single-file <c>tracevault</c> prints its version, serves, and keeps a trace the AWS CLI
/// sends with the credentials file the binary wrote. Slow (Category=Slow): the class publishes the binary once, a Release build.
/// </summary>
[Trait("Category", "Slow")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishedBinaryTests(PublishedBinary binary, ITestOutputHelper output) : IClassFixture<PublishedBinary>
{
    [Fact]
    public void Publish_MakesOneSelfContainedFile()
    {
        output.WriteLine($"dotnet publish took {binary.PublishTime.TotalSeconds:F0} s");
        var files = Directory.GetFiles(Path.GetDirectoryName(binary.Executable)!);
        Assert.Equal([binary.Executable], files);
        Assert.True(File.GetUnixFileMode(binary.Executable).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public async Task Version_PrintsTheBuildsVersion()
    {
        var expected = typeof(TracevaultServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        // No .NET on the PATH or in DOTNET_ROOT: the file brings its own runtime.
        var environment = binary.Environment();
        environment["PATH"] = "/usr/bin:/bin";
        environment["DOTNET_ROOT"] = "/nonexistent";
        var result = await ProcessRunner.RunAsync(binary.Executable, ["--version"], Path.GetTempPath(), environment, TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.Output);
        // The same version; the source revision after '+' is the tree's at publish time, which may be newer than the tests' build.
        var printed = result.StandardOutput.Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9a-f]+)?$", printed);
        Assert.Equal(expected.Split('+')[0], printed.Split('+')[0]);
    }

    [Fact]
    public async Task Serve_KeepsATraceTheAwsCliSends_WithTheCredentialsFileItWrote()
    {
        var data = Path.Combine(Path.GetTempPath(), "tracevault-binary-" + Guid.NewGuid().ToString("N"));
        try
        {
            var port = ServerProcess.FreePort();
            var start = new ProcessStartInfo(binary.Executable) { WorkingDirectory = Path.GetTempPath() };
            foreach (var argument in new[] { "serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off" })
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in binary.Environment())
            {
                start.Environment[key] = value;
            }

            await using var server = await ServerProcess.StartAsync(start, port);
            var cli = new Dictionary<string, string>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(data, "credentials"),
                ["AWS_REGION"] = "us-east-1",
                ["AWS_DEFAULT_REGION"] = "us-east-1",
            };
            var now = DateTimeOffset.UtcNow;
            var traceId = $"1-{now.ToUnixTimeSeconds():x8}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
            var seconds = now.ToUnixTimeMilliseconds() / 1000.0;
            var document = new JsonObject
            {
                ["trace_id"] = traceId,
                ["id"] = "a1b2c3d4e5f60718",
                ["name"] = "published-binary",
                ["start_time"] = seconds - 1,
                ["end_time"] = seconds,
                ["annotations"] = new JsonObject { ["check"] = "round-trip" },
            }.ToJsonString();

            var put = await AwsCli.RunAsync(server.Endpoint, cli, "xray", "put-trace-segments", "--trace-segment-documents", document);
            Assert.True(put.ExitCode == 0, put.Output + "\n--- server ---\n" + server.Output);
            Assert.Empty(JsonNode.Parse(put.StandardOutput)!["UnprocessedTraceSegments"]!.AsArray());

            var get = await AwsCli.RunAsync(server.Endpoint, cli, "xray", "batch-get-traces", "--trace-ids", traceId);
            Assert.True(get.ExitCode == 0, get.Output);
            var trace = Assert.Single(JsonNode.Parse(get.StandardOutput)!["Traces"]!.AsArray())!;
            Assert.Equal(traceId, trace["Id"]!.GetValue<string>());
            var stored = JsonNode.Parse(Assert.Single(trace["Segments"]!.AsArray())!["Document"]!.GetValue<string>())!;
            Assert.Equal("published-binary", stored["name"]!.GetValue<string>());
            Assert.Equal("round-trip", stored["annotations"]!["check"]!.GetValue<string>());
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Tracevault is serving on http://127.0.0.1:{port}"), server.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
