using Microsoft.Extensions.Logging;

namespace Tracevault.Keys;

/// <summary>Every log message of the key service, with stable event ids. None carries key material, data keys or secrets.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Storing stopped for account {AccountId}: its KMS key {KeyArn} cannot be used ({Reason}); its segments and spans are refused or dropped until the key is usable again")]
    public static partial void StoringStopped(ILogger logger, string accountId, string keyArn, string reason);

    [LoggerMessage(EventId = 133, Level = LogLevel.Information, Message = "Storing resumed for account {AccountId}: stopped since {Since:O} because its KMS key {KeyArn} could not be used, it stores again")]
    public static partial void StoringResumed(ILogger logger, string accountId, string keyArn, DateTimeOffset since);

    [LoggerMessage(EventId = 240, Level = LogLevel.Information, Message = "Default encryption seals under service key version {Version} from now on (was version {Previous}); every version still opens what it sealed")]
    public static partial void ServiceKeyVersionTakenUp(ILogger logger, int version, int previous);

    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "The material of KMS key {KeyArn} is destroyed: {Count} cached data key(s) it protected were zeroed and evicted, and nothing it sealed opens any more")]
    public static partial void DataKeysEvicted(ILogger logger, string keyArn, int count);
}
