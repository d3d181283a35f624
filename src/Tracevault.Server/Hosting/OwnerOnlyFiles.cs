using System.Runtime.InteropServices;

namespace Tracevault.Server.Hosting;

/// <summary>Keeps the files Tracevault makes readable and writable by their owner only, whatever the umask it was started with.</summary>
internal static partial class OwnerOnlyFiles
{
    private const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Sets the process's file-creation mask to 077, so every file made from now on (SQLite's included) is its owner's alone.</summary>
    public static void RestrictProcessUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0x3F);
        }
    }

    /// <summary>Sets each existing file among <paramref name="paths"/> to 0600 (files made by earlier versions were 0644).</summary>
    public static void Restrict(params string[] paths)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var path in paths)
        {
            try
            {
                if (File.Exists(path) && File.GetUnixFileMode(path) != ReadWrite)
                {
                    File.SetUnixFileMode(path, ReadWrite);
                }
            }
            catch (FileNotFoundException)
            {
                // SQLite removes its -wal and -shm files when the last connection closes.
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
