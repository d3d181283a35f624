namespace Tracevault.Core.Traces.Statistics;

/// <summary>The yes-or-no facts of a trace (<see cref="TraceFacts.Flags"/>).</summary>
[Flags]
public enum TraceFactsFlags
{
    /// <summary>None of them.</summary>
    None = 0,

    /// <summary>The trace has a root segment.</summary>
    HasRoot = 1,

    /// <summary>The root segment names no parent.</summary>
    RootWithoutParent = 2,

    /// <summary>The root segment neither erred, faulted nor was throttled.</summary>
    RootOk = 4,

    /// <summary>The root segment faulted (5xx).</summary>
    Fault = 8,

    /// <summary>The root segment erred (4xx).</summary>
    Error = 16,

    /// <summary>Some entity was throttled (429).</summary>
    Throttle = 32,

    /// <summary>Some entity is in progress.</summary>
    InProgress = 64,

    // 128 and 256 are not used: whether a trace is partial, or holds orphans, follows from InProgress and TraceFacts.Orphans.

    /// <summary>The trace gets a trace summary (not every one of its documents is a span its indexing rule left out).</summary>
    Indexed = 512,

    /// <summary>Some segment was stored in more than one part: the facts may hold a version that is not the latest.</summary>
    Superseded = 1024,

    /// <summary>The facts could not keep every link (a trace of more services than a link can name): only the documents can tell.</summary>
    Incomplete = 2048,
}
