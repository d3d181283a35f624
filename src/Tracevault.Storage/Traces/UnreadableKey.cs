namespace Tracevault.Storage.Traces;

/// <summary>A key a read could not open trace data with, and how many traces it left out for it.</summary>
/// <param name="KeyArn">The KMS key protecting the data (or <c>(default encryption)</c>).</param>
/// <param name="Reason">Why it could not be used, as the key service said.</param>
/// <param name="AccessDenied">True when the reader lacks <c>kms:Decrypt</c> on it; false when it decrypts for no one (disabled, pending deletion, deleted).</param>
/// <param name="Traces">How many traces the read left out for it (those indexed in its chunks the read met).</param>
public sealed record UnreadableKey(string KeyArn, string Reason, bool AccessDenied, int Traces);
