namespace Tracevault.Core.Tests.Signing;

/// <summary>Where the official "aws-sig-v4-test-suite" lives and the credentials, scope and time its files were signed with.</summary>
/// <remarks>
/// The suite is not copied into the repository: it is read from <c>shared/vectors/sigv4</c> in the nearest ancestor of the test assembly
/// that has one (the repository's sibling <c>../shared</c> for a plain checkout, <c>/work/shared</c> for a worktree under <c>/work/wt</c>),
/// or from the folder named by <c>TRACEVAULT_SIGV4_VECTORS</c>. When it is absent, the theories get a single <see cref="AbsentSentinel"/>
/// row that reports itself skipped (never passed); under <c>TRACEVAULT_REQUIRE_VECTORS=1</c>, as <c>.ci/run</c> sets it, absence is a
/// failure instead.
/// </remarks>
internal static class SigV4TestSuite
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public const string AbsentSentinel = "vectors-absent";

    public static readonly DateTimeOffset Now = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    /// <summary>Gets the suite's folder, or null when it cannot be found.</summary>
    public static string? Folder { get; } = Locate();

    /// <summary>Gets every case, as the folder path relative to the suite with '/' separators (a case is a folder holding a <c>.req</c> file).</summary>
    public static IReadOnlyList<string> CaseNames { get; } = Folder is null
        ? []
        : Directory.EnumerateFiles(Folder, "*.req", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(Folder, Path.GetDirectoryName(file)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Gets the theory rows: every case, or the single sentinel when the suite is absent.</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var name in CaseNames.Count > 0 ? CaseNames : [AbsentSentinel])
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Skips the test (or fails it under <c>TRACEVAULT_REQUIRE_VECTORS=1</c>) when <paramref name="caseName"/> is the absent-suite sentinel.</summary>
    public static void RequirePresent(string caseName)
    {
        if (caseName == AbsentSentinel)
        {
            RequireAvailable();
        }
    }

    /// <summary>Skips the test when the suite's folder was not found; under <c>TRACEVAULT_REQUIRE_VECTORS=1</c>, fails it instead.</summary>
    public static void RequireAvailable()
    {
        if (Folder is not null)
        {
            return;
        }

        var message = "the SigV4 test suite (shared/vectors/sigv4 above "
            + $"{AppContext.BaseDirectory}, or $TRACEVAULT_SIGV4_VECTORS) was not found";
        Assert.True(Environment.GetEnvironmentVariable("TRACEVAULT_REQUIRE_VECTORS") != "1", $"Required by TRACEVAULT_REQUIRE_VECTORS=1, but {message}.");
        throw new SkipException($"Skipped: {message}.");
    }

    private static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("TRACEVAULT_SIGV4_VECTORS");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(configured) ? configured : null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "vectors", "sigv4");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
