namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Runs the AWS CLI (Debian's <c>awscli</c> package where installed) against a server.</summary>
public static class AwsCli
{
    /// <summary>The CLI to run: Debian's when present, else whatever <c>aws</c> is on the PATH.</summary>
    public static string Executable => File.Exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

    /// <summary>Runs <c>aws --endpoint-url ENDPOINT --output json ARGS</c> with the given environment.</summary>
    public static Task<ProcessRunner.Result> RunAsync(string endpoint, IDictionary<string, string> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(Executable, ["--endpoint-url", endpoint, "--output", "json", .. arguments], RepositoryPaths.Root, environment, TimeSpan.FromMinutes(2));
}
