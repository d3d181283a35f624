namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>An 8 MB tmpfs mounted for one test, so a data directory on it fills up; the test is skipped without root on Linux.</summary>
public sealed class SmallTmpfs : IAsyncDisposable
{
    private bool _mounted;

    private SmallTmpfs(string path) => Path = path;

    /// <summary>Where it is mounted.</summary>
    public string Path { get; }

    /// <summary>Mounts a new one under the temporary folder, or skips the test when that cannot be done here.</summary>
    public static async Task<SmallTmpfs> MountAsync()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "needs root on Linux to mount a small tmpfs");
        var tmpfs = new SmallTmpfs(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tracevault-full-" + System.IO.Path.GetRandomFileName()));
        Directory.CreateDirectory(tmpfs.Path);
        var mount = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", tmpfs.Path], System.IO.Path.GetTempPath());
        Skip.If(mount.ExitCode != 0, "could not mount a tmpfs: " + mount.Output);
        tmpfs._mounted = true;
        return tmpfs;
    }

    /// <summary>Unmounts it (lazily, as a server may still hold files there) and removes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_mounted)
        {
            await ProcessRunner.RunAsync("umount", ["-l", Path], System.IO.Path.GetTempPath());
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
