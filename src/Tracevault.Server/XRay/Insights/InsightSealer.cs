using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tracevault.Core.Identity;
using Tracevault.Core.Insights;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Insights;

namespace Tracevault.Server.XRay.Insights;

/// <summary>
/// Seals what insights keep (it is derived from trace data) under the account's current data key, as chunks are, and opens it for
/// a reader with the reader's right to that key; the associated data names the record, so a sealed body moved to another row does not open.
/// </summary>
public sealed class InsightSealer(IDataKeySource dataKeys)
{
    /// <summary>Seals a minute's statistics.</summary>
    /// <exception cref="StoringStoppedException">The account's key cannot be used: nothing is stored.</exception>
    public SealedInsightMinute Seal(string accountId, string groupArn, InsightMinute minute)
    {
        ArgumentNullException.ThrowIfNull(minute);
        var (reference, body) = Seal(accountId, minute, InsightJsonContext.Default.InsightMinute, MinuteContext(accountId, groupArn, minute.Minute));
        return new SealedInsightMinute(accountId, groupArn, minute.Minute, reference, body);
    }

    /// <summary>Opens a minute's statistics for <paramref name="reader"/>.</summary>
    /// <exception cref="DataKeyAccessException">The reader may not use the key.</exception>
    public InsightMinute Open(SealedInsightMinute sealedMinute, Caller reader)
    {
        ArgumentNullException.ThrowIfNull(sealedMinute);
        return Open(sealedMinute.AccountId, sealedMinute.DataKeyReference, sealedMinute.Body, reader, InsightJsonContext.Default.InsightMinute, MinuteContext(sealedMinute.AccountId, sealedMinute.GroupArn, sealedMinute.Minute));
    }

    /// <summary>Seals an insight of a group.</summary>
    /// <exception cref="StoringStoppedException">The account's key cannot be used: nothing is stored.</exception>
    public StoredInsight Seal(string accountId, string groupArn, InsightState insight)
    {
        ArgumentNullException.ThrowIfNull(insight);
        var (reference, body) = Seal(accountId, insight, InsightJsonContext.Default.InsightState, InsightContext(accountId, groupArn, insight.InsightId));
        return new StoredInsight(accountId, insight.InsightId, groupArn, insight.Active, insight.StartTime, insight.EndTime, reference, body);
    }

    /// <summary>Opens an insight for <paramref name="reader"/>.</summary>
    /// <exception cref="DataKeyAccessException">The reader may not use the key.</exception>
    public InsightState Open(StoredInsight insight, Caller reader)
    {
        ArgumentNullException.ThrowIfNull(insight);
        return Open(insight.AccountId, insight.DataKeyReference, insight.Body, reader, InsightJsonContext.Default.InsightState, InsightContext(insight.AccountId, insight.GroupArn, insight.InsightId));
    }

    /// <summary>Seals an event of an insight.</summary>
    /// <exception cref="StoringStoppedException">The account's key cannot be used: nothing is stored.</exception>
    public StoredInsightEvent Seal(string accountId, string insightId, InsightEventRecord insightEvent)
    {
        ArgumentNullException.ThrowIfNull(insightEvent);
        var (reference, body) = Seal(accountId, insightEvent, InsightJsonContext.Default.InsightEventRecord, EventContext(accountId, insightId, insightEvent.EventTime));
        return new StoredInsightEvent(accountId, insightId, insightEvent.EventTime, reference, body);
    }

    /// <summary>Opens an event for <paramref name="reader"/>.</summary>
    /// <exception cref="DataKeyAccessException">The reader may not use the key.</exception>
    public InsightEventRecord Open(StoredInsightEvent insightEvent, Caller reader)
    {
        ArgumentNullException.ThrowIfNull(insightEvent);
        return Open(insightEvent.AccountId, insightEvent.DataKeyReference, insightEvent.Body, reader, InsightJsonContext.Default.InsightEventRecord, EventContext(insightEvent.AccountId, insightEvent.InsightId, insightEvent.EventTime));
    }

    private (string Reference, byte[] Body) Seal<T>(string accountId, T value, JsonTypeInfo<T> type, string context)
    {
        var key = dataKeys.ForSealing(accountId);
        return (key.Reference, AeadSealer.Seal(key.Key, JsonSerializer.SerializeToUtf8Bytes(value, type), Encoding.UTF8.GetBytes(context)));
    }

    private T Open<T>(string accountId, string reference, byte[] body, Caller reader, JsonTypeInfo<T> type, string context)
    {
        var key = dataKeys.ForOpening(accountId, reference, reader);
        var plaintext = AeadSealer.Open(key.Key, body, Encoding.UTF8.GetBytes(context));
        return JsonSerializer.Deserialize(plaintext, type) ?? throw new JsonException("A sealed insight record held null.");
    }

    private static string MinuteContext(string accountId, string groupArn, long minute) => FormattableString.Invariant($"insight-minute\n{accountId}\n{groupArn}\n{minute}");

    private static string InsightContext(string accountId, string groupArn, string insightId) => $"insight\n{accountId}\n{groupArn}\n{insightId}";

    private static string EventContext(string accountId, string insightId, long time) => FormattableString.Invariant($"insight-event\n{accountId}\n{insightId}\n{time}");
}
