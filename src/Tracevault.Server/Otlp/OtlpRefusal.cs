namespace Tracevault.Server.Otlp;

/// <summary>Why a whole OTLP export was refused before its spans were counted one by one.</summary>
public enum OtlpRefusal
{
    /// <summary>Not a request refused whole: its spans were counted (the store could not write them).</summary>
    None,

    /// <summary>Not a readable export: broken protobuf, JSON or gzip, JSON ids not in hex, an unsupported method, content type or encoding.</summary>
    Malformed,

    /// <summary>Over X-Ray's request limits: more than 5 MB uncompressed (or a gzip body that inflates past it), more than 10,000 spans.</summary>
    OverLimit,

    /// <summary>Unsigned from another machine, or badly signed.</summary>
    Unauthenticated,

    /// <summary>Signed by a user without <c>xray:PutTraceSegments</c>.</summary>
    PermissionDenied,
}
