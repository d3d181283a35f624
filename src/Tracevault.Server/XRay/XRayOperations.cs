namespace Tracevault.Server.XRay;

/// <summary>X-Ray's operations by request path, as the service model defines them (every one is <c>POST /&lt;path&gt;</c>).</summary>
public static class XRayOperations
{
    /// <summary>The operations the X-Ray daemon serves unsigned to local SDKs.</summary>
    public static readonly IReadOnlySet<string> UnsignedFromLoopback = new HashSet<string>(StringComparer.Ordinal) { "GetSamplingRules", "GetSamplingTargets" };

    private static readonly Dictionary<string, string> ByPath = new(StringComparer.Ordinal)
    {
        ["/CancelTraceRetrieval"] = "CancelTraceRetrieval",
        ["/CreateGroup"] = "CreateGroup",
        ["/CreateSamplingRule"] = "CreateSamplingRule",
        ["/DeleteGroup"] = "DeleteGroup",
        ["/DeleteResourcePolicy"] = "DeleteResourcePolicy",
        ["/DeleteSamplingRule"] = "DeleteSamplingRule",
        ["/EncryptionConfig"] = "GetEncryptionConfig",
        ["/GetGroup"] = "GetGroup",
        ["/GetIndexingRules"] = "GetIndexingRules",
        ["/GetRetrievedTracesGraph"] = "GetRetrievedTracesGraph",
        ["/GetSamplingRules"] = "GetSamplingRules",
        ["/GetTraceSegmentDestination"] = "GetTraceSegmentDestination",
        ["/Groups"] = "GetGroups",
        ["/Insight"] = "GetInsight",
        ["/InsightEvents"] = "GetInsightEvents",
        ["/InsightImpactGraph"] = "GetInsightImpactGraph",
        ["/InsightSummaries"] = "GetInsightSummaries",
        ["/ListResourcePolicies"] = "ListResourcePolicies",
        ["/ListRetrievedTraces"] = "ListRetrievedTraces",
        ["/ListTagsForResource"] = "ListTagsForResource",
        ["/PutEncryptionConfig"] = "PutEncryptionConfig",
        ["/PutResourcePolicy"] = "PutResourcePolicy",
        ["/SamplingStatisticSummaries"] = "GetSamplingStatisticSummaries",
        ["/SamplingTargets"] = "GetSamplingTargets",
        ["/ServiceGraph"] = "GetServiceGraph",
        ["/StartTraceRetrieval"] = "StartTraceRetrieval",
        ["/TagResource"] = "TagResource",
        ["/TelemetryRecords"] = "PutTelemetryRecords",
        ["/TimeSeriesServiceStatistics"] = "GetTimeSeriesServiceStatistics",
        ["/TraceGraph"] = "GetTraceGraph",
        ["/TraceSegments"] = "PutTraceSegments",
        ["/TraceSummaries"] = "GetTraceSummaries",
        ["/Traces"] = "BatchGetTraces",
        ["/UntagResource"] = "UntagResource",
        ["/UpdateGroup"] = "UpdateGroup",
        ["/UpdateIndexingRule"] = "UpdateIndexingRule",
        ["/UpdateSamplingRule"] = "UpdateSamplingRule",
        ["/UpdateTraceSegmentDestination"] = "UpdateTraceSegmentDestination",
    };

    /// <summary>Finds the operation a path names.</summary>
    public static bool TryFind(string path, out string operation) => ByPath.TryGetValue(path, out operation!);
}
