namespace Tracevault.Server.Otlp;

/// <summary>An OTLP request answered with an error instead of a response: malformed (400), refused (401/403/415), or to be retried (503).</summary>
/// <param name="httpStatus">The HTTP status.</param>
/// <param name="rpcCode">The <c>google.rpc.Code</c> of the answer's status (also the gRPC status code).</param>
/// <param name="message">What is wrong, for the client.</param>
public sealed class OtlpRequestException(int httpStatus, int rpcCode, string message) : Exception(message)
{
    /// <summary>google.rpc.Code INVALID_ARGUMENT.</summary>
    public const int InvalidArgument = 3;

    /// <summary>google.rpc.Code PERMISSION_DENIED.</summary>
    public const int PermissionDenied = 7;

    /// <summary>google.rpc.Code UNAVAILABLE.</summary>
    public const int Unavailable = 14;

    /// <summary>google.rpc.Code UNAUTHENTICATED.</summary>
    public const int Unauthenticated = 16;

    /// <summary>The HTTP status.</summary>
    public int HttpStatus { get; } = httpStatus;

    /// <summary>The <c>google.rpc.Code</c>.</summary>
    public int RpcCode { get; } = rpcCode;

    /// <summary>Seconds the client should wait before retrying, for a 503; else null.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Why the request was refused whole, for the counters; by default from <see cref="RpcCode"/>.</summary>
    public OtlpRefusal Refusal { get; init; } = rpcCode switch
    {
        InvalidArgument => OtlpRefusal.Malformed,
        Unauthenticated => OtlpRefusal.Unauthenticated,
        PermissionDenied => OtlpRefusal.PermissionDenied,
        _ => OtlpRefusal.None,
    };

    /// <summary>A malformed request: 400, INVALID_ARGUMENT.</summary>
    public static OtlpRequestException Malformed(string message) => new(400, InvalidArgument, message);

    /// <summary>A request over X-Ray's request limits: 400, INVALID_ARGUMENT.</summary>
    public static OtlpRequestException OverLimit(string message) => new(400, InvalidArgument, message) { Refusal = OtlpRefusal.OverLimit };
}
