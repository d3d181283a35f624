using Tracevault.Storage.Retrievals;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>X-Ray's names of the retrieval statuses (<c>RetrievalStatus</c>).</summary>
public static class RetrievalStatusNames
{
    /// <summary>The wire name of a status: <c>SCHEDULED</c>, <c>RUNNING</c>, <c>COMPLETE</c>, <c>FAILED</c>, <c>CANCELLED</c> or <c>TIMEOUT</c>.</summary>
    public static string Of(RetrievalStatus status) => status switch
    {
        RetrievalStatus.Scheduled => "SCHEDULED",
        RetrievalStatus.Running => "RUNNING",
        RetrievalStatus.Complete => "COMPLETE",
        RetrievalStatus.Failed => "FAILED",
        RetrievalStatus.Cancelled => "CANCELLED",
        _ => "TIMEOUT",
    };
}
