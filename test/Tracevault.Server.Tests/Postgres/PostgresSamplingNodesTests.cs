using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>Centralized sampling across two real <c>tracevault serve</c> processes on one PostgreSQL database: one reservoir for the fleet.</summary>
public sealed class PostgresSamplingNodesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoClientsReportingToTwoNodes_ReceiveQuotasThatAddUpToTheReservoir_SplitByDemand()
    {
        await using var nodes = await PostgresNodeSet.StartAsync(2);
        var environment = new Dictionary<string, string>
        {
            ["TRACEVAULT_ENDPOINT"] = nodes[0].Endpoint,
            ["TRACEVAULT_ENDPOINT_2"] = nodes[1].Endpoint,
            ["AWS_ACCESS_KEY_ID"] = nodes.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = nodes.Secret,
            ["AWS_REGION"] = "us-east-1",
        };

        await NodeClients.RunTestScriptAsync("xray-sampling-nodes.test.mjs", environment, output);
    }
}
