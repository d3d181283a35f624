namespace Tracevault.Core.Traces.Filters;

/// <summary>Which root causes a <c>rootcause.…</c> keyword reads.</summary>
internal enum RootCauseKind
{
    /// <summary><c>rootcause.fault</c>: the path to the deepest fault.</summary>
    Fault,

    /// <summary><c>rootcause.error</c>: the path to the deepest error.</summary>
    Error,

    /// <summary><c>rootcause.responsetime</c>: the path to the entity that took the time.</summary>
    ResponseTime,
}
