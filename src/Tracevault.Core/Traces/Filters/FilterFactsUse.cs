namespace Tracevault.Core.Traces.Filters;

/// <summary>What a filter expression needs to know of a trace: whether its <see cref="Statistics.TraceFacts"/> can answer it, and which of them.</summary>
public enum FilterFactsUse
{
    /// <summary>Only facts that are exact however the trace's documents arrived: times, the root's outcome and HTTP request, annotations, users and resources.</summary>
    WithoutLinks,

    /// <summary>Also the services, the calls between them or the partial state: exact only for a trace whose parts each held everything they name.</summary>
    WithLinks,

    /// <summary>Also the requests of each service and call: a <c>service(){…}</c> or <c>edge(){…}</c> sub-filter on their outcome and response time.</summary>
    WithRequests,

    /// <summary>Only the documents can answer it (a sub-filter on other values of a service's or edge's entities, a root cause).</summary>
    Documents,
}
