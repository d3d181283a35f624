namespace Tracevault.Storage.Retrievals;

/// <summary>Where a trace retrieval stands, as X-Ray's <c>RetrievalStatus</c> names it.</summary>
public enum RetrievalStatus
{
    /// <summary>Started, waiting for a node to run it.</summary>
    Scheduled,

    /// <summary>A node is finding the chunks that hold its traces.</summary>
    Running,

    /// <summary>Its chunks are found: its traces can be listed.</summary>
    Complete,

    /// <summary>Finding its chunks failed.</summary>
    Failed,

    /// <summary>Cancelled before it completed.</summary>
    Cancelled,

    /// <summary>Not complete within the time a retrieval may take.</summary>
    Timeout,
}
