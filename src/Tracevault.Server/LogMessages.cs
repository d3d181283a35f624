namespace Tracevault.Server;

/// <summary>Every log message of the server, with stable event ids. None carries secrets, key material or segment payloads.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Tracevault is serving on {Endpoint} (HTTP and UDP), data in {DataDirectory}, region {Region}")]
    public static partial void Ready(ILogger logger, string endpoint, string dataDirectory, string region);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Operation {Operation} failed unexpectedly (request {RequestId}): {ExceptionType}")]
    public static partial void OperationFailed(ILogger logger, string operation, string requestId, string exceptionType);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Initialized the data directory {DataDirectory}: account {AccountId}, admin user {UserName} with access key {AccessKeyId}")]
    public static partial void Initialized(ILogger logger, string dataDirectory, string accountId, string userName, string accessKeyId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Removed {Chunks} chunks older than the retention period")]
    public static partial void RetentionRemoved(ILogger logger, int chunks);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "UDP receive buffer is {Granted} bytes, less than the {Wanted} asked for; bursts may be dropped")]
    public static partial void SmallUdpBuffer(ILogger logger, int granted, int wanted);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Ingest totals at stop: received {HttpReceived} segments over HTTP and {UdpReceived} datagrams over UDP; stored {Stored}, rejected {Rejected}; dropped {DroppedQueueFull} (queue full), {DroppedStoringStopped} (storing stopped), {DroppedMalformed} (malformed)")]
    public static partial void IngestTotals(ILogger logger, long httpReceived, long udpReceived, long stored, long rejected, long droppedQueueFull, long droppedStoringStopped, long droppedMalformed);
}
