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

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Destroyed the key material of {Count} key(s) whose deletion window ended")]
    public static partial void KeysDestroyed(ILogger logger, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "The key deletion sweep failed: {ExceptionType}")]
    public static partial void KeySweepFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Encryption-setting propagation failed this round: {ExceptionType}: {Reason}")]
    public static partial void PropagationFailed(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Console sign-in: user {UserName} of account {AccountId} with access key {AccessKeyId}")]
    public static partial void ConsoleSignedIn(ILogger logger, string accountId, string userName, string accessKeyId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Console sign-in refused from {RemoteAddress}: unknown access key or wrong secret")]
    public static partial void ConsoleSignInRefused(ILogger logger, string remoteAddress);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Console refused a form post to {Path} from {RemoteAddress}: missing or wrong CSRF token")]
    public static partial void ConsoleFormRefused(ILogger logger, string path, string remoteAddress);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Console sign-out: user {UserName} of account {AccountId}")]
    public static partial void ConsoleSignedOut(ILogger logger, string accountId, string userName);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Console page {Path} failed unexpectedly: {ExceptionType}")]
    public static partial void ConsolePageFailed(ILogger logger, string path, string exceptionType);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Ingest totals at stop: received {HttpReceived} segments over HTTP and {UdpReceived} datagrams over UDP; stored {Stored}, rejected {Rejected}; dropped {DroppedQueueFull} (queue full), {DroppedStoringStopped} (storing stopped), {DroppedMalformed} (malformed)")]
    public static partial void IngestTotals(ILogger logger, long httpReceived, long udpReceived, long stored, long rejected, long droppedQueueFull, long droppedStoringStopped, long droppedMalformed);

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "{Listener} is not served: the default port is taken (give --otlp-http/--otlp-grpc HOST:PORT or off)")]
    public static partial void OtlpPortTaken(ILogger logger, string listener);

    [LoggerMessage(EventId = 81, Level = LogLevel.Error, Message = "An OTLP export failed unexpectedly: {ExceptionType}; answered 503")]
    public static partial void OtlpExportFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 82, Level = LogLevel.Information, Message = "OTLP totals at stop: received {Received} spans; stored {Stored}; rejected {RejectedInvalid} (invalid), {RejectedStoringStopped} (storing stopped), {RejectedUnavailable} (store unavailable, retry asked)")]
    public static partial void OtlpTotals(ILogger logger, long received, long stored, long rejectedInvalid, long rejectedStoringStopped, long rejectedUnavailable);

    [LoggerMessage(EventId = 83, Level = LogLevel.Information, Message = "OpenTelemetry: OTLP/HTTP on {Http}, OTLP/gRPC on {Grpc}, and /v1/traces on the main port")]
    public static partial void OtlpReady(ILogger logger, string http, string grpc);
}
