namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Finds the repository's folders from the test assembly's location.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the folder holding Tracevault.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The real-client test scripts and their npm packages.</summary>
    public static string Clients => Path.Combine(Root, "test", "clients");

    /// <summary>The shared contracts folder beside the repository, or null where it is absent (as on a user's machine).</summary>
    public static string? Shared
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>Where tests keep their output (screenshots, logs), ignored by git.</summary>
    public static string TestOutput
    {
        get
        {
            var path = Path.Combine(Root, "test-output");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tracevault.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Tracevault.sln not found above " + AppContext.BaseDirectory);
    }
}
