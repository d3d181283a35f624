namespace Tracevault.Server.Hosting;

/// <summary>How the server writes its log to the console.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry (the default).</summary>
    Text,

    /// <summary>One JSON object per line (the .NET JSON console formatter), each with its event id.</summary>
    Json,
}
