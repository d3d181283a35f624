namespace Tracevault.Server.Hosting;

/// <summary>Where the root key file is kept and the passphrase it is wrapped under.</summary>
public sealed class RootKeyOptions
{
    /// <summary>The root key file. Default null: <c>root.key</c> in the data directory, where any copy of the directory carries it.</summary>
    public string? Path { get; set; }

    /// <summary>The passphrase the root key file is wrapped under. Default null: the file is not wrapped. Never logged.</summary>
    public string? Passphrase { get; set; }
}
