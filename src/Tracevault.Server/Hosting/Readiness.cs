using System.Globalization;

namespace Tracevault.Server.Hosting;

/// <summary>Whether this server can take data now: the store answers, the data directory is writable and its disk is not full.</summary>
/// <remarks>Checked at most once a second however often it is asked (the endpoint is unauthenticated); thread-safe.</remarks>
public sealed class Readiness : IDisposable
{
    private const string ProbeFileName = ".ready-probe";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StoreCeiling = TimeSpan.FromSeconds(5);

    private readonly DataDirectory _data;
    private readonly TimeProvider _time;
    private readonly ILogger<Readiness> _logger;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private ReadinessReport? _last;
    private DateTimeOffset _lastAt;

    /// <summary>Creates the check.</summary>
    public Readiness(DataDirectory data, TimeProvider time, ILogger<Readiness> logger)
    {
        _data = data;
        _time = time;
        _logger = logger;
    }

    /// <summary>The current report: each check passed or failed, without paths or anything about the data.</summary>
    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (_last is not null && now - _lastAt < CacheFor)
            {
                return _last;
            }

            var (store, storeReason) = await CheckStoreAsync(cancellationToken).ConfigureAwait(false);
            var (writable, writableReason) = CheckWritable();
            var (disk, diskReason) = CheckDisk();
            var report = new ReadinessReport(store, writable, disk);
            // Logged on each change only, so a probe every few seconds does not fill the log.
            if ((_last?.Ready ?? true) != report.Ready)
            {
                if (report.Ready)
                {
                    LogMessages.ReadyAgain(_logger);
                }
                else
                {
                    LogMessages.NotReady(_logger, string.Join("; ", new[] { storeReason, writableReason, diskReason }.Where(r => r is not null)));
                }
            }

            (_last, _lastAt) = (report, now);
            return report;
        }
        finally
        {
            _checking.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _checking.Dispose();

    private async Task<(bool Ok, string? Reason)> CheckStoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            var answered = await Task.Run(() =>
            {
                return _data.Storage.Answers();
            }, cancellationToken).WaitAsync(StoreCeiling, _time, cancellationToken).ConfigureAwait(false);
            return answered ? (true, null) : (false, "the database holds no schema");
        }
        catch (TimeoutException)
        {
            return (false, $"the database did not answer within {StoreCeiling.TotalSeconds:0} s");
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return (false, "the database did not answer: " + exception.Message);
        }
    }

    private (bool Ok, string? Reason) CheckWritable()
    {
        try
        {
            using var probe = new FileStream(Path.Combine(_data.Path, ProbeFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            probe.WriteByte(1);
            probe.Flush(flushToDisk: true);
            return (true, null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return (false, "the data directory is not writable: " + exception.Message);
        }
    }

    private (bool Ok, string? Reason) CheckDisk()
    {
        try
        {
            var drive = new DriveInfo(_data.Path);
            // Not ready below 64 MiB free, or below 1 % of a small file system.
            var floor = Math.Min(64L * 1024 * 1024, drive.TotalSize / 100);
            return drive.AvailableFreeSpace >= floor
                ? (true, null)
                : (false, string.Create(CultureInfo.InvariantCulture, $"the data directory's file system has {drive.AvailableFreeSpace} bytes free, less than {floor}"));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (false, "the data directory's free space cannot be read: " + exception.Message);
        }
    }
}
