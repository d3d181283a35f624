namespace Tracevault.Server;

/// <summary>Every log message of the server, with stable event ids. None carries secrets, key material or segment payloads.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Tracevault is serving on {Endpoint} (HTTP and UDP), data in {DataDirectory}, region {Region}")]
    public static partial void Ready(ILogger logger, string endpoint, string dataDirectory, string region);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Serving plain HTTP on {Endpoint}, which is not loopback (--insecure-http): signed requests, KMS plaintexts and console sign-ins cross the network unencrypted unless something in front of Tracevault encrypts them")]
    public static partial void InsecureHttp(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "The root key file {RootKeyPath} lies inside the data directory {DataDirectory}: any copy of the directory (a backup, a snapshot) opens every key, secret and trace in it; keep the root key elsewhere with --root-key-file")]
    public static partial void RootKeyInsideDataDirectory(ILogger logger, string rootKeyPath, string dataDirectory);

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

    [LoggerMessage(EventId = 251, Level = LogLevel.Warning, Message = "Destroyed key material may still be in the database's write-ahead log: readers kept its checkpoint from finishing; the deletion sweep tries again in {Interval}")]
    public static partial void KeyMaterialEraseDeferred(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Encryption-setting propagation failed, {FailedRounds} round(s) in a row so far: {ExceptionType}: {Reason}")]
    public static partial void PropagationFailed(ILogger logger, long failedRounds, string exceptionType, string reason);

    [LoggerMessage(EventId = 480, Level = LogLevel.Information, Message = "Encryption-setting propagation works again after {FailedRounds} failed rounds")]
    public static partial void PropagationRecovered(ILogger logger, long failedRounds);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Console sign-in: user {UserName} of account {AccountId} with access key {AccessKeyId}")]
    public static partial void ConsoleSignedIn(ILogger logger, string accountId, string userName, string accessKeyId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Console sign-in refused from {RemoteAddress}: unknown access key or wrong secret")]
    public static partial void ConsoleSignInRefused(ILogger logger, string remoteAddress);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Console sign-in refused unchecked from {RemoteAddress}: too many failed sign-ins with its access key or from its address; the next attempt may be made at {RetryAt}")]
    public static partial void ConsoleSignInThrottled(ILogger logger, string remoteAddress, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Console refused a form post to {Path} from {RemoteAddress}: missing or wrong CSRF token")]
    public static partial void ConsoleFormRefused(ILogger logger, string path, string remoteAddress);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Console sign-out: user {UserName} of account {AccountId}")]
    public static partial void ConsoleSignedOut(ILogger logger, string accountId, string userName);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Console page {Path} failed unexpectedly: {ExceptionType}")]
    public static partial void ConsolePageFailed(ILogger logger, string path, string exceptionType);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Ingest totals at stop: received {HttpReceived} segments over HTTP and {UdpReceived} datagrams over UDP; stored {Stored}, rejected {Rejected}; dropped {DroppedQueueFull} (queue full), {DroppedStoringStopped} (storing stopped), {DroppedMalformed} (malformed); the kernel dropped {UdpDroppedByKernel} UDP datagrams (receive buffer full); refused {UdpSourceNotAllowed} UDP datagrams (sender not allowed)")]
    public static partial void IngestTotals(ILogger logger, long httpReceived, long udpReceived, long stored, long rejected, long droppedQueueFull, long droppedStoringStopped, long droppedMalformed, long udpDroppedByKernel, long udpSourceNotAllowed);

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "The kernel dropped {Dropped} UDP datagrams in the last {Seconds} s because the server's receive buffer ({BufferBytes} bytes) was full; {Total} since start. Slow the senders, or raise net.core.rmem_max and --udp-receive-buffer")]
    public static partial void UdpKernelDrops(ILogger logger, long dropped, int seconds, int bufferBytes, long total);

    [LoggerMessage(EventId = 51, Level = LogLevel.Error, Message = "Operation {Operation} failed (request {RequestId}): the database answered {Code}: {Reason}")]
    public static partial void OperationFailedInStorage(ILogger logger, string operation, string requestId, string code, string reason);

    [LoggerMessage(EventId = 52, Level = LogLevel.Error, Message = "Disk full: operation {Operation} (request {RequestId}) could not write ({Code}: {Reason}); answered with a retryable error, nothing acknowledged. Free space where the data directory is; writing resumes by itself.")]
    public static partial void OperationDiskFull(ILogger logger, string operation, string requestId, string code, string reason);

    [LoggerMessage(EventId = 53, Level = LogLevel.Error, Message = "Disk full: {Segments} segment(s) of PutTraceSegments (request {RequestId}) were not stored ({Code}: {Reason}); answered unprocessed with ErrorCode StorageFull. Free space where the data directory is; storing resumes by itself.")]
    public static partial void IngestDiskFull(ILogger logger, int segments, string requestId, string code, string reason);

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "{Listener} is not served: the default port is taken (give --otlp-http/--otlp-grpc HOST:PORT or off)")]
    public static partial void OtlpPortTaken(ILogger logger, string listener);

    [LoggerMessage(EventId = 81, Level = LogLevel.Error, Message = "An OTLP export failed unexpectedly: {ExceptionType}; answered 503")]
    public static partial void OtlpExportFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 82, Level = LogLevel.Information, Message = "OTLP totals at stop: received {Received} spans; stored {Stored}; rejected {RejectedInvalid} (invalid), {RejectedTooLarge} (over 200 KB), {RejectedStoringStopped} (storing stopped), {RejectedStorageFull} (disk full, retry asked), {RejectedUnavailable} (store unavailable, retry asked); exports refused whole: {RequestsMalformed} (malformed), {RequestsOverLimit} (over a request limit), {RequestsUnauthenticated} (unauthenticated), {RequestsPermissionDenied} (permission denied), {RequestsFailed} (failed)")]
    public static partial void OtlpTotals(ILogger logger, long received, long stored, long rejectedInvalid, long rejectedTooLarge, long rejectedStoringStopped, long rejectedStorageFull, long rejectedUnavailable, long requestsMalformed, long requestsOverLimit, long requestsUnauthenticated, long requestsPermissionDenied, long requestsFailed);

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Disk full: {Spans} span(s) of an OTLP export were not stored ({Code}: {Reason}); answered retry later (503, UNAVAILABLE). Free space where the data directory is; storing resumes by itself.")]
    public static partial void OtlpDiskFull(ILogger logger, int spans, string code, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "The trace store could not write {Spans} span(s) of an OTLP export ({Failure}); answered retry later (503, UNAVAILABLE)")]
    public static partial void OtlpStoreFailed(ILogger logger, int spans, string failure);

    [LoggerMessage(EventId = 83, Level = LogLevel.Information, Message = "OpenTelemetry: OTLP/HTTP on {Http}, OTLP/gRPC on {Grpc}, and /v1/traces on the main port")]
    public static partial void OtlpReady(ILogger logger, string http, string grpc);

    [LoggerMessage(EventId = 150, Level = LogLevel.Error, Message = "Retention could not remove expired trace data ({Cause}); it tries again in an hour")]
    public static partial void RetentionFailed(ILogger logger, string cause);

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Not ready (GET /ready answers 503): {Reason}")]
    public static partial void NotReady(ILogger logger, string reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Ready again (GET /ready answers 200)")]
    public static partial void ReadyAgain(ILogger logger);

    [LoggerMessage(EventId = 230, Level = LogLevel.Information, Message = "Console session of user {UserName} in account {AccountId} ended: its access key {AccessKeyId} is inactive or deleted")]
    public static partial void ConsoleSessionEndedKeyInactive(ILogger logger, string accountId, string userName, string accessKeyId);

    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "Client settings:\n{Usage}")]
    public static partial void ClientSettings(ILogger logger, string usage);

    [LoggerMessage(EventId = 261, Level = LogLevel.Warning, Message = "Refused {Count} UDP datagram(s) from senders neither loopback nor in a --udp-allow network (the latest from {Source}); {Total} since start. Unsigned segments are taken only from trusted senders: allow their network with --udp-allow CIDR, or have them sign PutTraceSegments")]
    public static partial void UdpSourceRefused(ILogger logger, long count, string source, long total);

    [LoggerMessage(EventId = 262, Level = LogLevel.Information, Message = "UDP on {Endpoint} takes unsigned segments from loopback and from {Allowed}")]
    public static partial void UdpAllowed(ILogger logger, string endpoint, string allowed);

    [LoggerMessage(EventId = 263, Level = LogLevel.Information, Message = "Prometheus metrics on http://{Endpoint}/metrics")]
    public static partial void MetricsReady(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 264, Level = LogLevel.Warning, Message = "Metrics are not served: the default port {Endpoint} is taken (give --metrics HOST:PORT or off)")]
    public static partial void MetricsPortTaken(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 350, Level = LogLevel.Information, Message = "Sampling rule {RuleName} of account {AccountId} {Change} by {CallerArn}")]
    public static partial void SamplingRuleChanged(ILogger logger, string ruleName, string accountId, string change, string callerArn);

    [LoggerMessage(EventId = 351, Level = LogLevel.Information, Message = "Sampling rule {RuleName} of account {AccountId} boosted to rate {Rate} until {Until:O}: its clients reported {Anomalies} anomalous of {Total} requests")]
    public static partial void SamplingBoostStarted(ILogger logger, string ruleName, string accountId, double rate, DateTimeOffset until, long anomalies, long total);

    [LoggerMessage(EventId = 440, Level = LogLevel.Information, Message = "Indexing rule {RuleName} of account {AccountId} set to index {Percentage}% of OpenTelemetry traces by {CallerArn}")]
    public static partial void IndexingRuleUpdated(ILogger logger, string ruleName, string accountId, double percentage, string callerArn);

    [LoggerMessage(EventId = 330, Level = LogLevel.Error, Message = "Database unavailable: operation {Operation} (request {RequestId}) could not reach it ({Code}: {Reason}); answered with a retryable error (503), nothing acknowledged. It resumes by itself when the database is back.")]
    public static partial void OperationStoreUnavailable(ILogger logger, string operation, string requestId, string code, string reason);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "X-Ray resource policy {PolicyName} of account {AccountId} {Change} by {CallerArn}")]
    public static partial void ResourcePolicyChanged(ILogger logger, string policyName, string accountId, string change, string callerArn);

    [LoggerMessage(EventId = 411, Level = LogLevel.Debug, Message = "{Action} by {CallerArn} into account {AccountId} refused: {Reason}")]
    public static partial void CrossAccountRefused(ILogger logger, string action, string callerArn, string accountId, string reason);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Tags of {ResourceArn} changed by {CallerArn}: {Set} set, {Removed} removed")]
    public static partial void ResourceTagsChanged(ILogger logger, string resourceArn, string callerArn, int set, int removed);

    [LoggerMessage(EventId = 450, Level = LogLevel.Information, Message = "Trace retrieval of account {AccountId} ended {Status}: {Chunks} chunk(s) hold its traces in its time range")]
    public static partial void RetrievalFinished(ILogger logger, string accountId, string status, int chunks);

    [LoggerMessage(EventId = 451, Level = LogLevel.Warning, Message = "Trace retrieval of account {AccountId} failed ({Error}: {Reason}); it answers FAILED")]
    public static partial void RetrievalFailed(ILogger logger, string accountId, string error, string reason);

    [LoggerMessage(EventId = 452, Level = LogLevel.Warning, Message = "{Count} trace retrieval(s) did not complete within their time and answer TIMEOUT")]
    public static partial void RetrievalsTimedOut(ILogger logger, int count);

    [LoggerMessage(EventId = 453, Level = LogLevel.Warning, Message = "Trace retrievals could not be run now: the store did not answer ({Error}: {Reason}); trying again shortly")]
    public static partial void RetrievalStoreUnavailable(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 454, Level = LogLevel.Information, Message = "Trace retrieval started in account {AccountId} by {CallerArn} for {Count} trace id(s)")]
    public static partial void RetrievalStarted(ILogger logger, string accountId, string callerArn, int count);

    [LoggerMessage(EventId = 430, Level = LogLevel.Information, Message = "Insight {InsightId} of group {GroupArn} opened: the fault rate rose beyond its baseline at {StartTime:O}")]
    public static partial void InsightOpened(ILogger logger, string groupArn, string insightId, DateTimeOffset startTime);

    [LoggerMessage(EventId = 431, Level = LogLevel.Information, Message = "Insight {InsightId} of group {GroupArn} closed: the fault rate returned to its baseline at {EndTime:O}")]
    public static partial void InsightClosed(ILogger logger, string groupArn, string insightId, DateTimeOffset endTime);

    [LoggerMessage(EventId = 432, Level = LogLevel.Warning, Message = "Insights of group {GroupArn} skipped the minute {Minute:O}: {Reason} (nothing was stored for it)")]
    public static partial void InsightMinuteSkipped(ILogger logger, string groupArn, DateTimeOffset minute, string reason);

    [LoggerMessage(EventId = 433, Level = LogLevel.Error, Message = "An insights round failed ({Reason}); it is tried again next round")]
    public static partial void InsightRoundFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 481, Level = LogLevel.Warning, Message = "The external key service {Endpoint} refused or did not answer {Operation} on {KeyId}: {ErrorCode}: {Reason}")]
    public static partial void ExternalKmsCallFailed(ILogger logger, string operation, string keyId, string endpoint, string errorCode, string reason);

    [LoggerMessage(EventId = 482, Level = LogLevel.Error, Message = "A check of the external keys failed ({Error}: {Reason}); it is tried again in a second")]
    public static partial void ExternalKeyCheckFailed(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 483, Level = LogLevel.Information, Message = "External key service {Endpoint} configured: keys it holds may be named by ARN in encryption settings; Tracevault's grants name {Grantee}")]
    public static partial void ExternalKmsConfigured(ILogger logger, string endpoint, string grantee);

    [LoggerMessage(EventId = 475, Level = LogLevel.Information, Message = "Deleted the imported key material of {Count} key(s) whose material expired (ValidTo passed); they are PendingImport until the same material is imported again")]
    public static partial void ImportedMaterialExpired(ILogger logger, int count);
}
