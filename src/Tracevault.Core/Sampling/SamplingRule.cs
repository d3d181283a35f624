namespace Tracevault.Core.Sampling;

/// <summary>An X-Ray sampling rule as the service model defines it: what it matches, and how much of it is traced.</summary>
/// <param name="Name">The rule's name, unique in its account (1 to 32 characters).</param>
/// <param name="ResourceArn">The ARN of the resource the service runs on, with <c>*</c>/<c>?</c> wildcards.</param>
/// <param name="Priority">The order rules are evaluated in, lowest first (1 to 9999; the <c>Default</c> rule has 10000).</param>
/// <param name="FixedRate">The share of matching requests traced beyond the reservoir, 0 to 1.</param>
/// <param name="ReservoirSize">Matching requests traced per second before the fixed rate applies, for the whole fleet together.</param>
/// <param name="ServiceName">The service's <c>name</c>, with wildcards.</param>
/// <param name="ServiceType">The service's <c>origin</c>, with wildcards.</param>
/// <param name="Host">The request URL's host, with wildcards.</param>
/// <param name="HttpMethod">The request's HTTP method, with wildcards.</param>
/// <param name="UrlPath">The request URL's path, with wildcards.</param>
/// <param name="Version">The rule format's version; 1 is the only one.</param>
/// <param name="Attributes">Request attributes the rule matches, at most 5.</param>
/// <param name="RateBoost">The temporary boost the rule allows when clients report anomalies, or null.</param>
public sealed record SamplingRule(
    string Name,
    string ResourceArn,
    int Priority,
    double FixedRate,
    int ReservoirSize,
    string ServiceName,
    string ServiceType,
    string Host,
    string HttpMethod,
    string UrlPath,
    int Version,
    IReadOnlyDictionary<string, string> Attributes,
    SamplingRateBoost? RateBoost)
{
    /// <summary>The name of the rule every account has, which matches everything, may be edited and is never deleted.</summary>
    public const string DefaultName = "Default";

    /// <summary>The <c>Default</c> rule's priority: after every rule a user can make.</summary>
    public const int DefaultPriority = 10000;

    /// <summary>The <c>Default</c> rule as X-Ray gives it to every account: one request a second, then 5 %, of everything.</summary>
    public static SamplingRule Default { get; } = new(DefaultName, "*", DefaultPriority, 0.05, 1, "*", "*", "*", "*", "*", 1, new Dictionary<string, string>(), null);

    /// <summary>Whether this is the account's <c>Default</c> rule.</summary>
    public bool IsDefault => Name == DefaultName;
}
