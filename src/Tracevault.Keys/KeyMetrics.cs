using System.Diagnostics.Metrics;

namespace Tracevault.Keys;

/// <summary>The key service's instruments (meter <c>Tracevault.Keys</c>): KMS calls and the data-key cache.</summary>
/// <remarks>One meter for the process, as a library's meter is; the host decides whether anything listens (its Prometheus endpoint).</remarks>
public static class KeyMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Tracevault.Keys";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>KMS calls, by operation, caller (<c>user</c>, or the service principal acting for an account) and outcome (<c>ok</c> or the error code).</summary>
    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>("tracevault.kms.calls", "{call}", "KMS calls, audited or not, by operation, caller kind and outcome.");

    /// <summary>Uses of a KMS data key, by use (<c>seal</c>, <c>open</c>) and result (<c>hit</c>: from memory, <c>miss</c>: a KMS call).</summary>
    internal static readonly Counter<long> DataKeyCache = Meter.CreateCounter<long>("tracevault.data_key.cache", "{lookup}", "Lookups of KMS data keys in memory: hit (no KMS call) or miss (GenerateDataKey or Decrypt).");

    internal static void DataKeyLookup(string use, bool hit) =>
        DataKeyCache.Add(1, new KeyValuePair<string, object?>("use", use), new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));
}
