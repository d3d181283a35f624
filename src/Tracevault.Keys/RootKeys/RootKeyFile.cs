namespace Tracevault.Keys.RootKeys;

/// <summary>The JSON shape of the root key file.</summary>
internal sealed class RootKeyFile
{
    public int FormatVersion { get; set; } = 1;

    public List<RootKeyEntry> Keys { get; set; } = [];
}
