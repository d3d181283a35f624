namespace Tracevault.Keys.RootKeys;

/// <summary>How the key that seals a format-2 root key file is derived from its passphrase.</summary>
internal sealed class RootKeyFilePassphrase
{
    public string Kdf { get; set; } = "";

    public int Iterations { get; set; }

    public string Salt { get; set; } = "";
}
