using System.Diagnostics.Metrics;

namespace Tracevault.Server.Http;

/// <summary>The API's request instrument: how long each request took, by protocol, operation and status code (its count is the request count).</summary>
public sealed class RequestMetrics
{
    /// <summary>The server's meter name, shared by every instrument of this assembly.</summary>
    public const string MeterName = "Tracevault.Server";

    /// <summary>The operation named for a request that is no operation the server serves, so clients cannot mint new series.</summary>
    public const string UnknownOperation = "unknown";

    private readonly Histogram<double> _duration;

    /// <summary>Creates the instrument on the host's meter factory (its meters live and die with the host).</summary>
    public RequestMetrics(IMeterFactory meters)
    {
        _duration = meters.Create(MeterName).CreateHistogram(
            "tracevault.request.duration",
            "s",
            "How long API requests (X-Ray, KMS, CloudTrail) took, by protocol, operation and HTTP status code.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>Records one request.</summary>
    public void Record(ApiProtocol protocol, string operation, int statusCode, TimeSpan elapsed) => _duration.Record(
        elapsed.TotalSeconds,
        new KeyValuePair<string, object?>("protocol", ProtocolName(protocol)),
        new KeyValuePair<string, object?>("operation", operation),
        new KeyValuePair<string, object?>("status_code", statusCode));

    private static string ProtocolName(ApiProtocol protocol) => protocol switch
    {
        ApiProtocol.XRay => "xray",
        ApiProtocol.Kms => "kms",
        _ => "cloudtrail",
    };
}
