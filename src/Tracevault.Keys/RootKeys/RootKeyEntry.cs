namespace Tracevault.Keys.RootKeys;

/// <summary>One root key in the root key file.</summary>
internal sealed class RootKeyEntry
{
    public int Id { get; set; }

    public string Key { get; set; } = "";
}
