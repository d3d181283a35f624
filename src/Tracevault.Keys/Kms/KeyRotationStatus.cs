namespace Tracevault.Keys.Kms;

/// <summary>The answer of GetKeyRotationStatus.</summary>
/// <param name="KeyArn">The key's ARN.</param>
/// <param name="Enabled">Whether automatic rotation is on.</param>
/// <param name="RotationPeriodInDays">The period, when on.</param>
/// <param name="NextRotationDate">The next automatic rotation, when on.</param>
public sealed record KeyRotationStatus(string KeyArn, bool Enabled, int? RotationPeriodInDays, DateTimeOffset? NextRotationDate);
