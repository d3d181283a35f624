namespace Tracevault.Keys.External;

/// <summary>What the external key service says about a key.</summary>
/// <param name="KeyArn">The key's ARN (an alias resolved).</param>
/// <param name="KeyState">The key's state, e.g. <c>Enabled</c>, <c>Disabled</c>, <c>PendingDeletion</c>.</param>
/// <param name="KeySpec">The key spec, e.g. <c>SYMMETRIC_DEFAULT</c>.</param>
/// <param name="KeyUsage">The key usage, e.g. <c>ENCRYPT_DECRYPT</c>.</param>
public sealed record ExternalKeyDescription(string KeyArn, string KeyState, string KeySpec, string KeyUsage);
