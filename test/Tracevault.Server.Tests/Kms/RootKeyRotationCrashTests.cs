using System.Diagnostics;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>
/// <c>tracevault root-key rotate</c> killed with SIGKILL at every step and at several moments never leaves a data directory
/// that does not open: the server starts, the admin's access key signs, and a ciphertext made before still decrypts.
/// </summary>
public sealed class RootKeyRotationCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-rotate-crash-" + Path.GetRandomFileName());

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
    public async Task RootKeyRotate_KilledAtEveryStepAndMoment_DirectoryAlwaysOpens()
    {
        var first = await TestServer.StartAsync(dataDirectory: _data);
        var admin = first.Server.InitializedAdmin!;
        byte[] blob;
        using (var kms = Client(first.Endpoint, admin.AccessKeyId, admin.SecretAccessKey))
        {
            var keyArn = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
            blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = keyArn, Plaintext = new MemoryStream("before the crash"u8.ToArray()) })).CiphertextBlob.ToArray();
        }

        // The server alone: disposing the TestServer would delete the directory.
        await first.Server.DisposeAsync();
        SqliteConnection.ClearAllPools();

        // Each pause point sits between two steps of the rotation; SIGKILL there is a crash at that instant.
        foreach (var step in new[] { "new-ring-written", "new-ring-in-place", "resealed", "committed" })
        {
            await using (var rotation = await RotationProcess.StartAsync(_data, step))
            {
                await rotation.WaitForLineAsync("paused at " + step);
                rotation.Kill();
                output.WriteLine($"killed at {step}:\n{rotation.Output}");
            }

            await AssertOpensAsync(admin.AccessKeyId, admin.SecretAccessKey, blob, "after SIGKILL at " + step);
        }

        // And at moments the test does not choose, spread over the last part of a whole run (most of which is start-up).
        var timer = Stopwatch.StartNew();
        var whole = await ServerProcess.RunCommandAsync("root-key", "rotate", "--data", _data);
        var duration = timer.Elapsed;
        Assert.True(whole.ExitCode == 0, whole.Output);
        foreach (var fraction in new[] { 0.3, 0.4, 0.5, 0.6, 0.75, 0.9 })
        {
            await using (var rotation = await RotationProcess.StartAsync(_data, pauseAt: null))
            {
                await Task.Delay(duration * fraction);
                rotation.Kill();
                output.WriteLine($"killed after {fraction:P0} of {duration.TotalMilliseconds:F0} ms:\n{rotation.Output}");
            }

            await AssertOpensAsync(admin.AccessKeyId, admin.SecretAccessKey, blob, $"after SIGKILL at {fraction:P0}");
        }

        var completed = await ServerProcess.RunCommandAsync("root-key", "rotate", "--data", _data);
        Assert.True(completed.ExitCode == 0, completed.Output);
        await AssertOpensAsync(admin.AccessKeyId, admin.SecretAccessKey, blob, "after a complete rotation");
    }

    private async Task AssertOpensAsync(string accessKeyId, string secret, byte[] blob, string when)
    {
        var ring = RootKeyRing.Load(Path.Combine(_data, "root.key"));
        output.WriteLine($"{when}: root keys {string.Join(",", ring.KeyIds.Order())}");
        var server = await TestServer.StartAsync(dataDirectory: _data);
        try
        {
            using var kms = Client(server.Endpoint, accessKeyId, secret);
            var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) });
            Assert.Equal("before the crash", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
        }
        finally
        {
            await server.Server.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        var list = await ServerProcess.RunCommandAsync("users", "list", "--data", _data);
        Assert.True(list.ExitCode == 0, when + ":\n" + list.Output);
    }

    private static AmazonKeyManagementServiceClient Client(string endpoint, string accessKeyId, string secret) => new(
        new BasicAWSCredentials(accessKeyId, secret),
        new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    /// <summary>A running <c>tracevault root-key rotate</c>, optionally told to pause at a step so it can be killed there.</summary>
    private sealed class RotationProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private RotationProcess(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static Task<RotationProcess> StartAsync(string data, string? pauseAt)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepositoryPaths.Root,
            };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "tracevault.dll"), "root-key", "rotate", "--data", data })
            {
                start.ArgumentList.Add(argument);
            }

            if (pauseAt is not null)
            {
                start.Environment["TRACEVAULT_ROOT_KEY_ROTATE_PAUSE_AT"] = pauseAt;
            }

            var process = Process.Start(start)!;
            var rotation = new RotationProcess(process);
            process.OutputDataReceived += (_, line) => rotation.Append(line.Data);
            process.ErrorDataReceived += (_, line) => rotation.Append(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(rotation);
        }

        public async Task WaitForLineAsync(string line)
        {
            using var ceiling = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!Output.Contains(line, StringComparison.Ordinal))
            {
                Assert.False(_process.HasExited, $"the rotation ended without printing '{line}':\n{Output}");
                await Task.Delay(20, ceiling.Token);
            }
        }

        /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit();
        }

        public ValueTask DisposeAsync()
        {
            Kill();
            _process.Dispose();
            return ValueTask.CompletedTask;
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
