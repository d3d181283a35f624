namespace Tracevault.Keys.Kms;

/// <summary>Whether a key can be used by a caller right now, and if not, the KMS error a use would get.</summary>
/// <param name="Usable">True when the use would succeed.</param>
/// <param name="ErrorCode">The error shape's name when not usable.</param>
/// <param name="Message">The error message when not usable.</param>
/// <param name="Generation">The key service's change generation the answer was computed at.</param>
public sealed record KeyUsability(bool Usable, string? ErrorCode, string? Message, long Generation);
