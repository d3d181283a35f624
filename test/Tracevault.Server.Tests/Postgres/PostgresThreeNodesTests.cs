using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Encryption;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Nodes;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>Three real <c>tracevault serve</c> processes on one PostgreSQL database, as several nodes behind one address run.</summary>
public sealed class PostgresThreeNodesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SegmentsSentRoundRobinToThreeNodes_ReadBackWholeFromEach()
    {
        await using var nodes = await PostgresNodeSet.StartAsync(3);
        var clients = Enumerable.Range(0, 3).Select(i => new XRayApiClient(nodes[i].Endpoint, nodes.AccessKeyId, nodes.Secret)).ToList();
        try
        {
            // Each trace's three segments go to three different nodes, so every trace is put together from what all three stored.
            var now = DateTimeOffset.UtcNow;
            var traces = Enumerable.Range(0, 8).Select(_ => TraceDocuments.NewTraceId(now)).ToList();
            var sent = traces.ToDictionary(t => t, _ => new List<string>(), StringComparer.Ordinal);
            var turn = 0;
            for (var segment = 0; segment < 3; segment++)
            {
                foreach (var traceId in traces)
                {
                    var document = TraceDocuments.Segment(traceId, now, $"service-{segment}", canary: $"node-{turn % 3}");
                    Assert.Empty(await clients[turn % 3].PutTraceSegmentsAsync([document]));
                    sent[traceId].Add(document);
                    turn++;
                }
            }

            foreach (var client in clients)
            {
                await client.AssertStoredAsSentAsync(sent);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task PutEncryptionConfigOnOneNode_IsUpdatingUntilTheOthersAcknowledged_ThenActiveOnAllThree()
    {
        await using var nodes = await PostgresNodeSet.StartAsync(3);
        var clients = Clients(nodes);
        try
        {
            var keyArn = await EncryptionSettingsTests.CreateKeyAsync(clients[0]);
            var timeout = new EncryptionSettingsOptions().NodeTimeout;

            // Node 3 is frozen (SIGSTOP) while nodes 1 and 2 take the change up: it still counts as live until its heartbeat is
            // NodeTimeout old, so meanwhile the setting must read UPDATING on both. Were the machine so slow that node 3 timed out
            // before both answers came back, the round proves nothing and is done again with the next setting version.
            var version = 0;
            while (true)
            {
                version++;
                Assert.True(version <= 4, "node 3's heartbeat timed out in every round before nodes 1 and 2 answered: the machine is too loaded to show UPDATING");
                await nodes.SignalAsync(2, "STOP");
                var body = version % 2 == 1 ? $$"""{"Type":"KMS","KeyId":"{{keyArn}}"}""" : """{"Type":"NONE"}""";
                using (var put = await clients[0].XRayAsync("/PutEncryptionConfig", SignedHttpClient.Json(body)))
                {
                    Assert.Equal("UPDATING", (await TraceDocuments.ReadJsonAsync(put)).GetProperty("EncryptionConfig").GetProperty("Status").GetString());
                }

                await Eventually.WaitAsync($"nodes 1 and 2 acknowledge version {version}", () => nodes.AcknowledgedBy(version).IsSupersetOf([nodes.NodeId(0), nodes.NodeId(1)]));
                var statuses = new[] { await StatusAsync(clients[0]), await StatusAsync(clients[1]) };
                var silent = nodes.SilentFor(2);
                Assert.DoesNotContain(nodes.NodeId(2), nodes.AcknowledgedBy(version));
                output.WriteLine($"version {version}: nodes 1 and 2 acknowledged, node 3 silent for {silent.TotalSeconds:F1} s: {string.Join(", ", statuses)}");
                if (silent < timeout)
                {
                    Assert.Equal(new string?[] { "UPDATING", "UPDATING" }, statuses.AsEnumerable());
                    await nodes.SignalAsync(2, "CONT");
                    break;
                }

                await nodes.SignalAsync(2, "CONT");
                await Eventually.WaitAsync("the setting settles", async () => await StatusAsync(clients[0]) == "ACTIVE");
            }

            // Node 3 runs again, takes the setting up and acknowledges: ACTIVE on all three.
            foreach (var client in clients)
            {
                await EncryptionSettingsTests.WaitForActiveAsync(client);
            }

            Assert.Contains(nodes.NodeId(2), nodes.AcknowledgedBy(version));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task AKeyDisabledThroughOneNode_MakesAllThreeRefuseToStore_WithTheNoticeOnEveryConsole_AndEnabledAllResume()
    {
        // No serve option changes the propagation interval: every node looks for key changes at least every 250 ms, which is
        // what makes "all refuse within a second" hold by design; the waits below only have generous ceilings.
        var interval = new EncryptionSettingsOptions().PropagationInterval;
        Assert.True(interval <= TimeSpan.FromMilliseconds(250), $"propagation interval {interval}");
        await using var nodes = await PostgresNodeSet.StartAsync(3);
        var clients = Clients(nodes);
        try
        {
            var keyArn = await EncryptionSettingsTests.CreateKeyAsync(clients[0]);
            await EncryptionSettingsTests.PutKmsSettingAsync(clients[0], keyArn);
            foreach (var client in clients)
            {
                await EncryptionSettingsTests.WaitForActiveAsync(client);
            }

            // Each node stores under the key first, so each holds the key's revision and a data key in memory.
            foreach (var client in clients)
            {
                Assert.Null(await NodeAgreementTests.PutOneAsync(client));
            }

            await KmsAsync(clients[1], "DisableKey", keyArn);
            var disabled = Stopwatch.StartNew();
            var refusals = await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var refusal = await Eventually.WaitAsync($"node {i + 1} refuses to store under the key disabled through node 2", () => NodeAgreementTests.PutOneAsync(client), error => error is not null);
                return (Node: i + 1, Seconds: disabled.Elapsed.TotalSeconds, refusal!.Value.Code, refusal.Value.Message);
            }));
            foreach (var refusal in refusals)
            {
                output.WriteLine($"node {refusal.Node} refused {refusal.Seconds:F2} s after DisableKey answered: {refusal.Code}: {refusal.Message}");
                Assert.Equal("KMSKeyUnusable", refusal.Code);
                Assert.Contains(keyArn, refusal.Message, StringComparison.Ordinal);
                Assert.Contains("disabled", refusal.Message, StringComparison.Ordinal);
            }

            for (var i = 0; i < 3; i++)
            {
                var notice = await NodeAgreementTests.ConsoleNoticeAsync(nodes[i].Endpoint, nodes.AccessKeyId, nodes.Secret);
                Assert.True(notice.Contains(keyArn, StringComparison.Ordinal), $"node {i + 1}'s console shows no notice naming the key: '{notice}'");
            }

            await KmsAsync(clients[2], "EnableKey", keyArn);
            for (var i = 0; i < 3; i++)
            {
                var client = clients[i];
                await Eventually.WaitAsync($"node {i + 1} stores again once the key is enabled through node 3", async () => await NodeAgreementTests.PutOneAsync(client) is null);
                var endpoint = nodes[i].Endpoint;
                await Eventually.WaitAsync($"node {i + 1}'s console drops the notice", async () => (await NodeAgreementTests.ConsoleNoticeAsync(endpoint, nodes.AccessKeyId, nodes.Secret)).Length == 0);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task ANodeKilledDuringIngest_LosesNothingAnyNodeAcknowledged_TheOthersKeepServing_AndASettingGoesActiveWithoutIt()
    {
        await using var nodes = await PostgresNodeSet.StartAsync(3);
        var clients = Enumerable.Range(0, 3).Select(i => new XRayApiClient(nodes[i].Endpoint, nodes.AccessKeyId, nodes.Secret)).ToList();
        var signed = Clients(nodes);
        try
        {
            // Every node ingests at once; each trace's segments are recorded only once the node acknowledged them.
            var acknowledged = new ConcurrentDictionary<string, List<string>>(StringComparer.Ordinal);
            var afterKill = new int[3];
            var killed = 0;
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
            {
                var failures = 0;
                while (!stop.IsCancellationRequested)
                {
                    var now = DateTimeOffset.UtcNow;
                    var traceId = TraceDocuments.NewTraceId(now);
                    var documents = Enumerable.Range(0, 5).Select(s => TraceDocuments.Segment(traceId, now, $"service-{s}", canary: $"node-{i + 1}")).ToList();
                    JsonArray unprocessed;
                    try
                    {
                        unprocessed = await clients[i].PutTraceSegmentsAsync(documents);
                    }
                    catch (Exception error) when (i == 2 && Volatile.Read(ref killed) == 1 && error is HttpRequestException or TaskCanceledException)
                    {
                        // The killed node's requests fail: nothing it did not answer counts as acknowledged.
                        failures++;
                        await Task.Delay(50);
                        continue;
                    }

                    Assert.Empty(unprocessed);
                    acknowledged[traceId] = documents;
                    if (Volatile.Read(ref killed) == 1)
                    {
                        Interlocked.Increment(ref afterKill[i]);
                    }
                }

                return failures;
            })).ToList();

            await Eventually.WaitAsync("every node acknowledged several traces", () => acknowledged.Values
                .GroupBy(d => JsonNode.Parse(d[0])!["annotations"]!["canary"]!.GetValue<string>(), StringComparer.Ordinal)
                .Count(g => g.Count() >= 5) == 3);
            Volatile.Write(ref killed, 1);
            await nodes[2].KillAsync();
            var killedAt = Stopwatch.StartNew();
            output.WriteLine($"node 3 killed with SIGKILL after {acknowledged.Count} acknowledged traces");

            // The survivors keep serving while the dead node's heartbeat ages.
            await Eventually.WaitAsync("nodes 1 and 2 keep acknowledging after the kill", () => Volatile.Read(ref afterKill[0]) >= 5 && Volatile.Read(ref afterKill[1]) >= 5);
            var keyArn = await EncryptionSettingsTests.CreateKeyAsync(signed[0]);
            Assert.Equal("UPDATING", (await EncryptionSettingsTests.PutKmsSettingAsync(signed[0], keyArn)).GetProperty("EncryptionConfig").GetProperty("Status").GetString());
            await EncryptionSettingsTests.WaitForActiveAsync(signed[0]);
            await EncryptionSettingsTests.WaitForActiveAsync(signed[1]);
            output.WriteLine($"the setting went ACTIVE on nodes 1 and 2 {killedAt.Elapsed.TotalSeconds:F1} s after the kill (node timeout {new EncryptionSettingsOptions().NodeTimeout.TotalSeconds:0} s)");
            Assert.Equal(new[] { nodes.NodeId(0), nodes.NodeId(1) }.Order(StringComparer.Ordinal), nodes.AcknowledgedBy(1).Order(StringComparer.Ordinal));

            await stop.CancelAsync();
            var failed = await Task.WhenAll(senders);
            output.WriteLine($"{acknowledged.Count} traces acknowledged in all; after the kill node 1 {afterKill[0]}, node 2 {afterKill[1]}; node 3's failed calls {failed[2]}");
            Assert.Equal(0, failed[0] + failed[1]);

            // Everything any node acknowledged, the killed one's too, reads back whole from both survivors.
            var sent = acknowledged.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            await clients[0].AssertStoredAsSentAsync(sent);
            await clients[1].AssertStoredAsSentAsync(sent);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            signed.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task AConsoleSessionStartedOnNode1_WorksOnNode2_AndSigningOutOnNode2_EndsItOnNode1()
    {
        await using var nodes = await PostgresNodeSet.StartAsync(2);
        using var browser1 = new ConsoleHttpClient(nodes[0].Endpoint);
        using (var signedIn = await browser1.SignInAsync(nodes.AccessKeyId, nodes.Secret))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        // Behind a load balancer the browser's next request reaches node 2, another process, with the same cookie.
        var cookie = browser1.Cookies.GetCookies(new Uri(nodes[0].Endpoint + "/console/")).Single(c => c.Name == "tracevault_session");
        using var browser2 = new ConsoleHttpClient(nodes[1].Endpoint);
        browser2.Cookies.Add(new Uri(nodes[1].Endpoint), new Cookie(cookie.Name, cookie.Value, cookie.Path));
        using var page = await browser2.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("admin", html, StringComparison.Ordinal);

        using (var signOut = await browser2.PostFormAsync("/console/signout", new() { ["csrf"] = ConsoleHttpClient.CsrfToken(html) }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        }

        using var ended = await browser1.GetAsync("/console/traces");
        Assert.Equal(HttpStatusCode.SeeOther, ended.StatusCode);
        Assert.StartsWith("/console/signin", ended.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private static List<SignedHttpClient> Clients(PostgresNodeSet nodes) =>
        Enumerable.Range(0, nodes.Count).Select(i => new SignedHttpClient(nodes[i].Endpoint, nodes.AccessKeyId, nodes.Secret)).ToList();

    private static async Task<string?> StatusAsync(SignedHttpClient client)
    {
        using var response = await client.XRayAsync("/EncryptionConfig", []);
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("EncryptionConfig").GetProperty("Status").GetString();
    }

    private static async Task KmsAsync(SignedHttpClient client, string operation, string keyArn)
    {
        using var response = await client.KmsAsync(operation, SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}"""));
        await TraceDocuments.ReadJsonAsync(response);
    }
}
