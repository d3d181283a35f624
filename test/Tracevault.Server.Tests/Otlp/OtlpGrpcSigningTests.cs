using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>OTLP/gRPC from another address than loopback: SigV4 carried as gRPC metadata (the rule of <c>/v1/traces</c>), driven by @grpc/grpc-js and the AWS SDK's signer.</summary>
public sealed class OtlpGrpcSigningTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GrpcExports_FromAnotherAddress_SignedAreStored_UnsignedBadlySignedOrUnauthorizedAreRefused()
    {
        var external = OtlpSpans.NonLoopbackAddress();
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Grpc = [new IPEndPoint(external, 0)];
            options.Otlp.GrpcIsDefault = false;
        });
        var reader = server.CreateUser("grpc-reader", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:BatchGetTraces","Resource":"*"}]}""");
        var environment = server.ClientEnvironment();
        environment["OTLP_GRPC_TARGET"] = server.Server.Otlp.Grpc[0].ToString();
        environment["READER_ACCESS_KEY_ID"] = reader.AccessKeyId;
        environment["READER_SECRET_ACCESS_KEY"] = reader.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("otlp-grpc-signed.test.mjs", environment, output);

        // One export stored, four refused for their credentials, one for its permission: counted by reason.
        var counts = server.Server.Services.GetRequiredService<OtlpCounters>().Snapshot();
        Assert.Equal(1, counts.Stored);
        Assert.Equal(4, counts.RequestsUnauthenticated);
        Assert.Equal(1, counts.RequestsPermissionDenied);
    }
}
