using System.Net;
using System.Text;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Trace retrieval driven by the real clients: the JS SDK with the OpenTelemetry SDK's OTLP exporter, (the AWS CLI of Debian, 2.9, has no retrieval commands).</summary>
public sealed class XRayTraceRetrievalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task JavaScriptSdk_RetrievalScript_Passes()
    {
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Http = [new IPEndPoint(IPAddress.Loopback, 0)];
            options.Otlp.HttpIsDefault = false;
        });
        var environment = server.ClientEnvironment();
        environment["OTLP_URL"] = $"http://{server.Server.Otlp.Http[0]}/v1/traces";
        var canary = $"1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..24]}";
        environment["RETRIEVAL_CANARY_TRACE_ID"] = canary;

        await NodeClients.RunTestScriptAsync("xray-retrieval.test.mjs", environment, output);

        // The trace ids a retrieval is asked for are trace data, as is what it reads: nowhere in the data directory in the clear.
        Assert.Empty(FilesHolding(server.DataDirectory, canary[11..]));
        Assert.Empty(FilesHolding(server.DataDirectory, "retrieval-front"));
    }

    [Fact]
    public async Task JavaScriptSdk_CancelScript_OnANodeThatRunsNoRetrievals_Passes()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.Retrievals.Run = false);

        await NodeClients.RunTestScriptAsync("xray-retrieval-cancel.test.mjs", server.ClientEnvironment(), output);
    }

    [Fact]
    public async Task JavaScriptSdk_KmsScript_ReaderWithoutDecryptIsRefusedUntilGranted()
    {
        await using var server = await TestServer.StartAsync();
        var reader = server.CreateUser("reader", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:*","Resource":"*"}]}""");
        var environment = server.ClientEnvironment();
        environment["READER_ACCESS_KEY_ID"] = reader.AccessKeyId;
        environment["READER_SECRET_ACCESS_KEY"] = reader.SecretAccessKey;
        environment["READER_ARN"] = reader.User.Arn;

        await NodeClients.RunTestScriptAsync("xray-retrieval-kms.test.mjs", environment, output);
    }

    private static List<string> FilesHolding(string directory, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(path => File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0)
            .ToList();
    }
}
