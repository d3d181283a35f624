using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Reads the sealed per-minute statistics of a time range for a caller, opening them with the chunks' data keys.</summary>
/// <remarks>
/// A minute whose key the caller may not use, whose key can no longer be opened, or that does not open as sealed is counted in
/// <see cref="StatisticsRead.Unreadable"/> and left out; it never fails the read. Thread-safe.
/// </remarks>
public sealed partial class StatisticsReader
{
    private readonly IStatisticsStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly ILogger _logger;

    /// <summary>Creates the reader; <paramref name="logger"/> hears of damaged statistics.</summary>
    public StatisticsReader(IStatisticsStore store, IDataKeySource dataKeys, ILogger logger)
    {
        _store = store;
        _dataKeys = dataKeys;
        _logger = logger;
    }

    /// <summary>The statistics of the minutes in <c>[fromMinute, toMinute)</c> the caller can open.</summary>
    public async Task<StatisticsRead> ReadAsync(string accountId, long fromMinute, long toMinute, Caller reader, CancellationToken cancellationToken)
    {
        var stored = await _store.FindStatisticsAsync(accountId, fromMinute, toMinute, cancellationToken).ConfigureAwait(false);
        var keys = new Dictionary<string, DataKey?>(StringComparer.Ordinal);
        foreach (var reference in stored.Select(s => s.DataKeyReference).Distinct(StringComparer.Ordinal))
        {
            try
            {
                keys[reference] = _dataKeys.ForOpening(accountId, reference, reader);
            }
            catch (DataKeyAccessException)
            {
                // Disabled, pending deletion, or no kms:Decrypt for this caller: these minutes are unreadable, the rest are answered.
                keys[reference] = null;
            }
        }

        var minutes = new List<MinuteStatistics>(stored.Count);
        var unreadable = 0;
        foreach (var row in stored)
        {
            if (keys[row.DataKeyReference] is not { } key)
            {
                unreadable++;
                continue;
            }

            try
            {
                minutes.Add(StatisticsCodec.Open(row, key));
            }
            catch (Exception exception) when (exception is CryptographicException or InvalidDataException)
            {
                unreadable++;
                LogDamaged(_logger, row.ChunkId, accountId, row.Minute, exception.GetType().Name);
            }
        }

        return new StatisticsRead(minutes, unreadable);
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Error, Message = "The statistics of chunk {ChunkId} of account {AccountId} for minute {Minute} do not open as sealed ({Reason}); statistics reads skip them and count them as unreadable")]
    private static partial void LogDamaged(ILogger logger, long chunkId, string accountId, long minute, string reason);
}
