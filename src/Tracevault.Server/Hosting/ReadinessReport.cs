namespace Tracevault.Server.Hosting;

/// <summary>One readiness check's outcome: each part passed or not.</summary>
/// <param name="Store">The database answered a query.</param>
/// <param name="Writable">A file could be written in the data directory.</param>
/// <param name="Disk">The data directory's file system is not (nearly) full.</param>
public sealed record ReadinessReport(bool Store, bool Writable, bool Disk)
{
    /// <summary>Whether every part passed.</summary>
    public bool Ready => Store && Writable && Disk;
}
