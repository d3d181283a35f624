namespace Tracevault.Core.Traces.Filters;

/// <summary>The simple keywords of X-Ray's filter language.</summary>
internal enum FilterKeyword
{
    /// <summary><c>ok</c>: no error, throttle or fault.</summary>
    Ok,

    /// <summary><c>error</c>: a 4xx response.</summary>
    Error,

    /// <summary><c>throttle</c>: a 429 response.</summary>
    Throttle,

    /// <summary><c>fault</c>: a 5xx response.</summary>
    Fault,

    /// <summary><c>partial</c>: incomplete segments.</summary>
    Partial,

    /// <summary><c>inferred</c>: an inferred service.</summary>
    Inferred,

    /// <summary><c>root</c>: the entry point of the trace.</summary>
    Root,

    /// <summary><c>responsetime</c>, in seconds.</summary>
    ResponseTime,

    /// <summary><c>duration</c>, in seconds.</summary>
    Duration,

    /// <summary><c>http.status</c>.</summary>
    HttpStatus,

    /// <summary><c>http.url</c>.</summary>
    HttpUrl,

    /// <summary><c>http.method</c>.</summary>
    HttpMethod,

    /// <summary><c>http.useragent</c>.</summary>
    HttpUserAgent,

    /// <summary><c>http.clientip</c>.</summary>
    HttpClientIp,

    /// <summary><c>user</c>.</summary>
    User,

    /// <summary><c>name</c>: a service name.</summary>
    Name,

    /// <summary><c>type</c>: a service type.</summary>
    Type,

    /// <summary><c>availabilityzone</c>.</summary>
    AvailabilityZone,

    /// <summary><c>instance.id</c>.</summary>
    InstanceId,

    /// <summary><c>resource.arn</c>.</summary>
    ResourceArn,

    /// <summary><c>first</c>: the first element of a root cause's list.</summary>
    First,

    /// <summary><c>last</c>: the last element of a root cause's list.</summary>
    Last,

    /// <summary><c>remote</c>: a root-cause entity that calls a remote service.</summary>
    Remote,

    /// <summary><c>index</c>: an element's 0-based position in a root cause's list.</summary>
    Index,

    /// <summary><c>coverage</c>: a response-time root-cause entity's response time over the root segment's.</summary>
    Coverage,

    /// <summary><c>message</c>: a root-cause exception's message.</summary>
    Message,
}
