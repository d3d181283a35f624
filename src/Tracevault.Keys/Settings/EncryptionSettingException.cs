namespace Tracevault.Keys.Settings;

/// <summary>A refused encryption-setting change, with the X-Ray error name the client gets.</summary>
/// <param name="code">The X-Ray error shape's name: <c>InvalidRequestException</c> or <c>AccessDeniedException</c>.</param>
/// <param name="message">Why, naming the key.</param>
public sealed class EncryptionSettingException(string code, string message) : Exception(message)
{
    /// <summary>The X-Ray error shape's name.</summary>
    public string Code { get; } = code;
}
