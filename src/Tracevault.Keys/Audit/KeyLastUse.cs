namespace Tracevault.Keys.Audit;

/// <summary>A key's most recent successful cryptographic operation, kept with the audit record that tells it.</summary>
/// <param name="KeyArn">The key.</param>
/// <param name="Operation">The operation, one of <see cref="Kms.KeyService.LastUsageOperations"/>.</param>
/// <param name="Time">When it was made.</param>
/// <param name="EventId">The id of its audit record in the key owner's trail.</param>
/// <param name="RequestId">The id of the request that made it.</param>
public sealed record KeyLastUse(string KeyArn, string Operation, DateTimeOffset Time, string EventId, string RequestId);
