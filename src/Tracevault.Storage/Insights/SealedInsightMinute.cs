namespace Tracevault.Storage.Insights;

/// <summary>One minute of a group's insight statistics, sealed (they are trace data): only the group, the minute and the data key's reference are in the clear.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="GroupArn">The group's ARN (its id in it: a group deleted and created again has another history).</param>
/// <param name="Minute">The minute's first second, in epoch seconds.</param>
/// <param name="DataKeyReference">The data key the body is sealed under.</param>
/// <param name="Body">The sealed statistics.</param>
public sealed record SealedInsightMinute(string AccountId, string GroupArn, long Minute, string DataKeyReference, byte[] Body);
