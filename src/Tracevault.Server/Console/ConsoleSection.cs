namespace Tracevault.Server.Console;

/// <summary>The navigation bar entry a page belongs to.</summary>
public enum ConsoleSection
{
    /// <summary>No entry (sign-in, errors).</summary>
    None,

    /// <summary>The trace list and one trace's timeline.</summary>
    Traces,

    /// <summary>The service map.</summary>
    ServiceMap,

    /// <summary>The account's sampling rules.</summary>
    SamplingRules,

    /// <summary>The account's X-Ray groups.</summary>
    Groups,

    /// <summary>The account's encryption setting.</summary>
    Encryption,

    /// <summary>The account's KMS keys.</summary>
    Keys,

    /// <summary>The audit trail.</summary>
    Audit,
}
