using Tracevault.Core.Traces;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>One page of trace summaries.</summary>
/// <param name="Summaries">The page, newest first.</param>
/// <param name="Processed">How many traces were read to make it.</param>
/// <param name="Next">Where the next page starts, or null on the last page.</param>
public sealed record SummaryPage(List<TraceSummary> Summaries, int Processed, SummaryCursor? Next)
{
    /// <summary>How many traces the damaged chunks met while making it hold that could not be read (skipped, not processed).</summary>
    public int Damaged { get; init; }

    /// <summary>The keys whose traces could not be read (disabled, deleted, or no <c>kms:Decrypt</c> for the caller), each with how many it left out.</summary>
    public IReadOnlyList<UnreadableKey> Unreadable { get; init; } = [];
}
