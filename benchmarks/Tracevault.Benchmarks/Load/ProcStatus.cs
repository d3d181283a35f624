using System.Globalization;

namespace Tracevault.Benchmarks.Load;

/// <summary>Readings from <c>/proc</c>: a process's memory high-water mark and CPU time, the kernel's UDP drop counter.</summary>
internal static class ProcStatus
{
    /// <summary>A <c>/proc/PID/status</c> field in kB (e.g. <c>VmHWM</c>, the peak resident set), as bytes.</summary>
    public static long StatusBytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var value = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(value, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>User plus system CPU seconds a process has used.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    /// <summary>
    /// Waits until a process has used under a tenth of a core for half a second (or <paramref name="limit"/> passed), so what is
    /// measured next is not the tail of what came before (the collections and checkpoints after a large ingest); returns the wait.
    /// </summary>
    public static async Task<TimeSpan> WaitForIdleAsync(int pid, TimeSpan limit)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < limit)
        {
            var before = CpuSeconds(pid);
            await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            if (CpuSeconds(pid) - before < 0.05)
            {
                break;
            }
        }

        return waited.Elapsed;
    }

    /// <summary>The system-wide count of UDP datagrams the kernel dropped because a socket's receive buffer was full.</summary>
    public static long UdpReceiveBufferErrors()
    {
        var lines = File.ReadAllLines("/proc/net/snmp").Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToArray();
        if (lines.Length < 2)
        {
            return 0;
        }

        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(names, "RcvbufErrors");
        return index > 0 ? long.Parse(values[index], CultureInfo.InvariantCulture) : 0;
    }

    public static long ReadLong(string path) =>
        File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var value) ? value : 0;
}
