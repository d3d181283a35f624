namespace Tracevault.Keys.Settings;

/// <summary>Why Tracevault stopped storing an account's data, since when, and with which key; absent while storing works.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="KeyArn">The key that cannot be used.</param>
/// <param name="Reason">The KMS error that says why, in words.</param>
/// <param name="Since">When storing stopped.</param>
public sealed record StoringStatus(string AccountId, string KeyArn, string Reason, DateTimeOffset Since);
