namespace Tracevault.Core.Traces.Filters;

/// <summary>Which enumerated list of a root cause a <c>rootcause.…</c> keyword's sub-filter is evaluated on.</summary>
internal enum RootCauseList
{
    /// <summary><c>.service</c>: the services on the path, entry point first.</summary>
    Service,

    /// <summary><c>.entity</c>: the segments and subsegments on the path, outermost first.</summary>
    Entity,

    /// <summary><c>.exception</c>: the exceptions the path's entities recorded, in path order.</summary>
    Exception,
}
