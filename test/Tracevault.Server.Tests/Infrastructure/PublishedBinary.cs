using System.Diagnostics;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>
/// The single-file <c>tracevault</c> as the README's Install section builds it (<c>dotnet publish -p:PublishProfile=linux-x64</c>),
/// published once per test run into a temporary folder. Slow: a Release build of every project plus the runtime packs' restore.
/// </summary>
public sealed class PublishedBinary : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tracevault-publish-" + Guid.NewGuid().ToString("N"));

    /// <summary>The published file.</summary>
    public string Executable => Path.Combine(_root, "out", "tracevault");

    /// <summary>Where the bundle unpacks its native libraries (SQLite's), kept inside the temporary folder rather than in <c>~/.net</c>.</summary>
    public string ExtractDirectory => Path.Combine(_root, "extract");

    /// <summary>How long the publish took, for the test's output.</summary>
    public TimeSpan PublishTime { get; private set; }

    /// <summary>What <c>dotnet publish</c> printed.</summary>
    public string PublishOutput { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var watch = Stopwatch.StartNew();

        // Its own artifacts folder keeps the RID-specific restore and Release build away from the tree the tests were built in.
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            ["publish", Path.Combine(RepositoryPaths.Root, "src", "Tracevault.Server"), "-p:PublishProfile=linux-x64", "-nodeReuse:false", "--artifacts-path", Path.Combine(_root, "artifacts"), "-o", Path.Combine(_root, "out"), "-nologo"],
            RepositoryPaths.Root,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
            TimeSpan.FromMinutes(20));
        PublishTime = watch.Elapsed;
        PublishOutput = result.Output;
        Assert.True(result.ExitCode == 0, "dotnet publish failed:\n" + result.Output);
        Assert.True(File.Exists(Executable), "dotnet publish made no tracevault file:\n" + result.Output);
    }

    /// <summary>The environment the binary runs with.</summary>
    public Dictionary<string, string> Environment() => new() { ["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = ExtractDirectory };

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary folder is the system's to clean.
        }

        return Task.CompletedTask;
    }
}
