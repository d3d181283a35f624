using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// Samples the server's managed stacks (EventPipe's sample profiler, attached by process id) during a phase, and ranks the
/// methods by the share of busy samples in which they are on the stack. Samples of threads parked in a wait are left out.
/// </summary>
/// <remarks>Native code (Brotli, SQLite, OpenSSL) shows as the managed method that called it; time blocked in fsync counts as busy.</remarks>
internal sealed class IngestProfiler
{
    private static readonly string[] WaitFrames =
    [
        "LowLevelLifoSemaphore", "WaitHandle.Wait", "Monitor.Wait", "Thread.Sleep", "SocketAsyncEngine.EventLoop", "WaitForSignal",
        "ManualResetEventSlim.Wait", "SemaphoreSlim.Wait", "Console", "TimerQueue.TimerThread", "WaitSubsystem", "Interop+Sys.WaitForSocketEvents",
        "LowLevelMonitor", "Thread.Join", "FileSystemWatcher",
    ];

    // Frames that, when they are the leaf, mean an idle thread-pool thread or the GC poll, not work.
    private static readonly string[] IdleLeaves = ["WorkerThreadStart", "PollGC", "Thread.StartCallback"];

    private readonly EventPipeSession _session;
    private readonly FileStream _file;
    private readonly Task _copy;

    private IngestProfiler(EventPipeSession session, FileStream file)
    {
        _session = session;
        _file = file;
        _copy = session.EventStream.CopyToAsync(file);
    }

    public static IngestProfiler Start(int pid, string path)
    {
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-DotNETCore-SampleProfiler", EventLevel.Informational),
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.Default),
        };
        var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: true);
        return new IngestProfiler(session, File.Create(path));
    }

    public async Task StopAsync()
    {
        await _session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _copy.ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _session.Dispose();
    }

    /// <summary>The top methods by inclusive and by exclusive share of busy samples, as Markdown.</summary>
    public static string Report(string nettracePath, int top = 40)
    {
        var etlx = TraceLog.CreateFromEventPipeDataFile(nettracePath);
        try
        {
            using var log = new TraceLog(etlx);
            return Report(log, top);
        }
        finally
        {
            File.Delete(etlx);
            File.Delete(nettracePath);
        }
    }

    private static string Report(TraceLog log, int top)
    {
        var inclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var exclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var busy = 0;
        var all = 0;
        foreach (var sample in log.Events.Where(e => e.ProviderName == "Microsoft-DotNETCore-SampleProfiler"))
        {
            var stack = sample.CallStack();
            if (stack is null)
            {
                continue;
            }

            all++;
            var frames = new List<string>();
            for (var frame = stack; frame is not null; frame = frame.Caller)
            {
                frames.Add(Name(frame.CodeAddress));
            }

            if (frames.Any(f => WaitFrames.Any(w => f.Contains(w, StringComparison.Ordinal))) || IdleLeaves.Any(l => frames[0].Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            busy++;
            exclusive[frames[0]] = exclusive.GetValueOrDefault(frames[0]) + 1;
            foreach (var name in frames.Distinct(StringComparer.Ordinal))
            {
                inclusive[name] = inclusive.GetValueOrDefault(name) + 1;
            }
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{busy:N0} busy samples of {all:N0} (1 ms sampling of every managed thread; waits left out)\n\n");
        text.Append("| inclusive | method |\n|---:|---|\n");
        foreach (var (name, count) in inclusive.OrderByDescending(p => p.Value).Take(top))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {100.0 * count / Math.Max(1, busy):F1} % | `{name}` |\n");
        }

        text.Append("\n| exclusive | method |\n|---:|---|\n");
        foreach (var (name, count) in exclusive.OrderByDescending(p => p.Value).Take(top / 2))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {100.0 * count / Math.Max(1, busy):F1} % | `{name}` |\n");
        }

        return text.ToString();
    }

    private static string Name(TraceCodeAddress address)
    {
        var method = address.FullMethodName;
        if (string.IsNullOrEmpty(method))
        {
            return $"[native {address.ModuleName}]";
        }

        var paren = method.IndexOf('(', StringComparison.Ordinal);
        return paren > 0 ? method[..paren] : method;
    }
}
