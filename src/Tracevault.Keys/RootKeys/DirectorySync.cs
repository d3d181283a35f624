using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Tracevault.Keys.RootKeys;

/// <summary>Flushes a directory's entries to disk, so a file renamed into it survives a power cut.</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    /// <summary>Calls fsync on <paramref name="directory"/> (nothing to do on Windows, where a rename is journaled with the file).</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open {directory} to flush it.", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot flush {directory} to disk.", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
