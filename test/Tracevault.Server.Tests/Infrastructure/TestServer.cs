using System.Net;
using Microsoft.Extensions.Logging;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>A real Tracevault server, in-process, on a free loopback port and a temporary data directory.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(TracevaultServer server, string dataDirectory, CapturingLoggerProvider logs, TimeProvider time)
    {
        Server = server;
        DataDirectory = dataDirectory;
        Logs = logs;
        Time = time;
    }

    /// <summary>The running server.</summary>
    public TracevaultServer Server { get; }

    /// <summary>The temporary data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Everything the server logged.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The server's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The region the server signs for.</summary>
    public string Region => "us-east-1";

    /// <summary>The endpoint URL without a trailing slash.</summary>
    public string Endpoint => Server.Url.ToString().TrimEnd('/');

    /// <summary>The admin's access key id.</summary>
    public string AdminAccessKeyId => Server.InitializedAdmin!.AccessKeyId;

    /// <summary>The admin's secret.</summary>
    public string AdminSecret => Server.InitializedAdmin!.SecretAccessKey;

    /// <summary>The first account.</summary>
    public string AccountId => Server.InitializedAdmin!.User.AccountId;

    /// <summary>Starts a server on a fresh data directory (or <paramref name="dataDirectory"/>).</summary>
    public static async Task<TestServer> StartAsync(TimeProvider? time = null, string? dataDirectory = null, Action<ServerOptions>? configure = null)
    {
        var directory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        var logs = new CapturingLoggerProvider();
        var clock = time ?? TimeProvider.System;
        var options = new ServerOptions { DataDirectory = directory, Listen = new IPEndPoint(IPAddress.Loopback, 0) };

        // Tests never depend on OTLP's default ports being free: a test that wants them asks for free ports (port 0).
        options.Otlp.Http = [];
        options.Otlp.Grpc = [];
        configure?.Invoke(options);
        var server = await TracevaultServer.StartAsync(options, clock, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(logs);
        }, CancellationToken.None);
        return new TestServer(server, directory, logs, clock);
    }

    /// <summary>The environment that points the JS clients and the AWS CLI at this server as the admin.</summary>
    public Dictionary<string, string> ClientEnvironment() => new()
    {
        ["TRACEVAULT_ENDPOINT"] = Endpoint,
        ["TRACEVAULT_ACCOUNT"] = AccountId,
        ["AWS_ACCESS_KEY_ID"] = AdminAccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = AdminSecret,
        ["AWS_REGION"] = Region,
        ["AWS_DEFAULT_REGION"] = Region,
    };

    /// <summary>Creates a user with the given policy documents and returns its credentials.</summary>
    public Keys.Identity.NewUser CreateUser(string name, params string[] policies) =>
        Server.Data.Identity.CreateUser(AccountId, name, policies);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be open on a slow shutdown; the folder is in the temp directory anyway.
        }
    }
}
