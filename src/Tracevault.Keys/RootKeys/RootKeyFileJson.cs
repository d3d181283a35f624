namespace Tracevault.Keys.RootKeys;

/// <summary>The JSON shape of the root key file: the keys in the clear (format 1), or sealed under a passphrase (format 2).</summary>
internal sealed class RootKeyFileJson
{
    public int FormatVersion { get; set; } = 1;

    public List<RootKeyEntry>? Keys { get; set; }

    public RootKeyFilePassphrase? Passphrase { get; set; }

    public string? SealedKeys { get; set; }
}
