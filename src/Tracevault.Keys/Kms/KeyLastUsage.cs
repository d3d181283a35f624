using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Kms;

/// <summary>GetKeyLastUsage's answer.</summary>
/// <param name="Key">The key.</param>
/// <param name="LastUse">Its most recent successful cryptographic operation, or null when it had none since <paramref name="TrackingStartDate"/>.</param>
/// <param name="TrackingStartDate">Since when its use is known.</param>
public sealed record KeyLastUsage(KmsKey Key, KeyLastUse? LastUse, DateTimeOffset TrackingStartDate);
