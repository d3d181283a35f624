namespace Tracevault.Benchmarks;

/// <summary>Where the repository's files are, found from the running assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root: the nearest directory above the assembly holding <c>Tracevault.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The Release build of the <c>tracevault</c> server.</summary>
    public static string ServerDll => Path.Combine(Root, "src", "Tracevault.Server", "bin", "Release", "net10.0", "tracevault.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tracevault.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmarks from a Tracevault checkout: Tracevault.sln was not found above " + AppContext.BaseDirectory);
    }
}
