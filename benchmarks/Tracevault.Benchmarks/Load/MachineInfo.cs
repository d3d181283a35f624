using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tracevault.Benchmarks.Load;

/// <summary>Where and when a run happened: CPU, cores, memory, runtime, commit.</summary>
internal sealed record MachineInfo(string CpuModel, int Cores, long MemoryBytes, string Os, string Runtime, string Commit, bool Dirty, DateTimeOffset Date)
{
    public static MachineInfo Read()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        var memory = File.Exists("/proc/meminfo")
            ? ProcStatusMemTotal()
            : 0;
        var commit = Git("rev-parse HEAD");
        // Results and the README change with every run; only other changes make the measured code differ from the commit.
        var dirty = Git("status --porcelain --untracked-files=no -- . :!benchmarks/results :!README.md").Length > 0;
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, commit, dirty, DateTimeOffset.UtcNow);
    }

    private static long ProcStatusMemTotal()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static string Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, WorkingDirectory = RepositoryPaths.Root, UseShellExecute = false };
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
