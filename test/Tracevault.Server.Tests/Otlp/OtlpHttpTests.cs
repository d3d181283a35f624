using System.IO.Compression;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Encryption;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.Otlp;

/// <summary><c>POST /v1/traces</c>: who may send, X-Ray's OTLP limits, malformed bodies, and the at-rest and key contracts.</summary>
public sealed class OtlpHttpTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _http = null!;

    private string TracesUrl => _server.Endpoint + OtlpHttpEndpoint.TracesPath;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SignedExport_ToTheMainPort_IsStoredInTheSignersAccount()
    {
        var traceId = OtlpSpans.XRayStyleTraceId(DateTimeOffset.UtcNow);
        var body = OtlpSpans.Request("signed-svc", OtlpSpans.Span(traceId, DateTimeOffset.UtcNow)).ToByteArray();
        using var signed = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var response = await signed.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", body, "application/x-protobuf", [], null, null);

        var answer = await OtlpSpans.ReadSuccessAsync(response);
        Assert.Null(answer.PartialSuccess);
        using var xray = XRayApiClient.For(_server);
        var documents = await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId));
        Assert.Equal("signed-svc", Assert.Single(documents)["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task SignedExport_ByAUserWithoutPutTraceSegments_IsRefusedAsAnOtlpStatus()
    {
        var reader = _server.CreateUser("reader", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:BatchGetTraces","Resource":"*"}]}""");
        var traceId = OtlpSpans.XRayStyleTraceId(DateTimeOffset.UtcNow);
        var body = OtlpSpans.Request("svc", OtlpSpans.Span(traceId, DateTimeOffset.UtcNow)).ToByteArray();
        using var signed = new SignedHttpClient(_server.Endpoint, reader.AccessKeyId, reader.SecretAccessKey);
        using var response = await signed.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", body, "application/x-protobuf", [], null, null);

        var status = await OtlpSpans.ReadErrorAsync(response, 403);
        Assert.Equal(OtlpRequestException.PermissionDenied, status.Code);
        Assert.Contains("xray:PutTraceSegments", status.Message, StringComparison.Ordinal);

        using var badSignature = await signed.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", body, "application/x-protobuf", [], null, r =>
        {
            r.Content = new ByteArrayContent([.. body, 0]);
            r.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        });
        Assert.Equal(OtlpRequestException.Unauthenticated, (await OtlpSpans.ReadErrorAsync(badSignature, 403)).Code);

        using var xray = XRayApiClient.For(_server);
        Assert.Empty(await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId)));
    }

    [Fact]
    public async Task UnsignedExport_FromAnotherMachine_IsRefused_FromLoopback_IsStored()
    {
        var external = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(external is not null, "the machine needs a non-loopback IPv4 address to send from elsewhere");

        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });
        var port = server.Server.Endpoint.Port;
        var remoteId = OtlpSpans.XRayStyleTraceId(DateTimeOffset.UtcNow);
        using (var response = await _http.SendAsync(OtlpSpans.Post($"http://{external}:{port}/v1/traces", OtlpSpans.Request("svc", OtlpSpans.Span(remoteId, DateTimeOffset.UtcNow)).ToByteArray())))
        {
            var status = await OtlpSpans.ReadErrorAsync(response, 401);
            Assert.Equal(OtlpRequestException.Unauthenticated, status.Code);
        }

        var localId = OtlpSpans.XRayStyleTraceId(DateTimeOffset.UtcNow);
        using (var response = await _http.SendAsync(OtlpSpans.Post($"http://127.0.0.1:{port}/v1/traces", OtlpSpans.Request("svc", OtlpSpans.Span(localId, DateTimeOffset.UtcNow)).ToByteArray())))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        using var xray = XRayApiClient.For(server);
        Assert.Empty(await xray.ReadTraceAsync(OtlpSpans.XRayId(remoteId)));
        Assert.Single(await xray.ReadTraceAsync(OtlpSpans.XRayId(localId)));
    }

    [Fact]
    public async Task DatabaseSpans_OnlySqlSystemsGetAnSqlBlock_ARedisCallIsNoSqlDatabase()
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        var server = OtlpSpans.Span(traceId, now, "GET /cart");
        Tracevault.Server.Otlp.Proto.Span Call(string database, string system) => OtlpSpans.Span(traceId, now, "query", span =>
        {
            span.Kind = Tracevault.Server.Otlp.Proto.Span.Types.SpanKind.Client;
            span.ParentSpanId = server.SpanId;
            span.Attributes.Clear();
            span.Attributes.Add(OtlpSpans.Attribute("db.system", system));
            span.Attributes.Add(OtlpSpans.Attribute("db.name", database));
            span.Attributes.Add(OtlpSpans.Attribute("db.statement", "SELECT 1"));
        });
        using (var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("cart", server, Call("orders", "postgresql"), Call("sessions", "redis")).ToByteArray())))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        using var xray = XRayApiClient.For(_server);
        var documents = await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId));
        var calls = documents.Single(d => d["parent_id"] is null)["subsegments"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>());
        var inferred = documents.Where(d => d["inferred"] is not null).ToDictionary(d => d["name"]!.GetValue<string>());

        // As the Collector's awsxray exporter: an `sql` block only for SQL systems, so a Redis call is not drawn as a SQL database.
        Assert.Equal("postgresql", calls["orders"]!["sql"]!["database_type"]!.GetValue<string>());
        Assert.Equal("Database::SQL", inferred["orders"]["origin"]!.GetValue<string>());
        Assert.Null(calls["sessions"]!["sql"]);
        Assert.Equal("redis", calls["sessions"]!["metadata"]!["default"]!["db.system"]!.GetValue<string>());
        Assert.NotEqual("Database::SQL", inferred["sessions"]["origin"]?.GetValue<string>());
    }

    [Fact]
    public async Task RandomW3CTraceIds_WhoseFirstBytesAreNoTime_AreStoredAndReadBackById()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = new[] { new DateTimeOffset(2001, 3, 4, 5, 6, 7, TimeSpan.Zero), new DateTimeOffset(2090, 1, 2, 3, 4, 5, TimeSpan.Zero) }
            .Select(OtlpSpans.XRayStyleTraceId).ToList();
        using (var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("w3c", [.. ids.Select(id => OtlpSpans.Span(id, now))]).ToByteArray())))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        using var xray = XRayApiClient.For(_server);
        var answer = await xray.BatchGetTracesAsync([.. ids.Select(OtlpSpans.XRayId)]);
        Assert.Equal(ids.Select(OtlpSpans.XRayId).Order(StringComparer.Ordinal), answer["Traces"]!.AsArray().Select(t => t!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MixedRequest_SpansRefusedForTheirOwnReasons_ArePartialSuccess_TheGoodOnesStored()
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        var good = OtlpSpans.Span(traceId, now, "good");
        var tooBig = OtlpSpans.Span(traceId, now, "too-big", s => s.Attributes.Add(OtlpSpans.Attribute("blob", new string('x', 201 * 1024))));
        var old = OtlpSpans.Span(traceId, now - TimeSpan.FromDays(15), "old");
        var future = OtlpSpans.Span(traceId, now + TimeSpan.FromHours(3), "future");
        var noId = OtlpSpans.Span(traceId, now, "no-id", s => s.SpanId = ByteString.Empty);
        var large = OtlpSpans.Span(traceId, now, "large-but-allowed", s => s.Attributes.Add(OtlpSpans.Attribute("blob", new string('y', 150 * 1024))));

        using var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("mixed", good, tooBig, old, future, noId, large).ToByteArray()));
        var answer = await OtlpSpans.ReadSuccessAsync(response);

        Assert.Equal(4, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("200 KB", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("14 days in the past", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("2 hours in the future", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("span_id", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        using var xray = XRayApiClient.For(_server);
        var stored = await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId));
        Assert.Equal(["good", "large-but-allowed"], stored.Select(d => d["metadata"]!["otel"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SpanEndingAYearAhead_IsRejected()
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        var far = OtlpSpans.Span(traceId, now, "far", span => span.EndTimeUnixNano = (ulong)now.AddDays(365).ToUnixTimeMilliseconds() * 1_000_000);
        using var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("far-svc", OtlpSpans.Span(traceId, now, "good"), far).ToByteArray()));

        var answer = await OtlpSpans.ReadSuccessAsync(response);
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("InvalidEndTime: the span ends more than 2 hours in the future", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverLimitAndMalformedRequests_AreAnswered400WithAStatus_AndStoreNothing()
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        var counters = _server.Server.Services.GetRequiredService<OtlpCounters>();

        var tooMany = OtlpSpans.Request("many", [.. Enumerable.Range(0, OtlpIngest.MaxSpansPerRequest + 1).Select(_ => OtlpSpans.Span(traceId, now))]);
        await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, tooMany.ToByteArray()), "10001 spans");

        var sixMegabytes = OtlpSpans.Request("big", [.. Enumerable.Range(0, 40).Select(_ => OtlpSpans.Span(traceId, now, alter: s => s.Attributes.Add(OtlpSpans.Attribute("blob", new string('z', 150 * 1024)))))]);
        Assert.True(sixMegabytes.CalculateSize() > 6_000_000);
        await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, sixMegabytes.ToByteArray()), "5 MB");

        // 1 GB of zeros in about 1 MB of gzip: refused once 5 MB are inflated, never held whole.
        var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 1024; i++)
            {
                gzip.Write(zeros);
            }
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, bomb.ToArray(), contentEncoding: "gzip"), "5 MB");
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 200L * 1024 * 1024, "the bomb was not inflated in full");

        await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), "protobuf");
        await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, Encoding.UTF8.GetBytes("{\"resourceSpans\": ["), "application/json"), "JSON", json: true);

        var base64Ids = $$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{Convert.ToBase64String(traceId)}}","spanId":"AAECAwQFBgc=","name":"x","kind":2,"startTimeUnixNano":"{{now.ToUnixTimeMilliseconds() * 1_000_000}}","endTimeUnixNano":"{{now.ToUnixTimeMilliseconds() * 1_000_000 + 5}}"}]}]}]}""";
        var json = await AssertMalformedAsync(OtlpSpans.Post(TracesUrl, Encoding.UTF8.GetBytes(base64Ids), "application/json"), "hex", json: true);
        Assert.Equal(OtlpRequestException.InvalidArgument, json.GetProperty("code").GetInt32());

        using var xray = XRayApiClient.For(_server);
        Assert.Empty(await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId)));
        Assert.Equal(0, counters.Stored);

        // The same span with hex ids, integers as strings and enums as numbers is OTLP/JSON, answered in JSON.
        var hexIds = base64Ids.Replace(Convert.ToBase64String(traceId), Convert.ToHexStringLower(traceId), StringComparison.Ordinal).Replace("AAECAwQFBgc=", "0001020304050607", StringComparison.Ordinal);
        using var ok = await _http.SendAsync(OtlpSpans.Post(TracesUrl, Encoding.UTF8.GetBytes(hexIds), "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("application/json", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{ }", (await ok.Content.ReadAsStringAsync()).Trim());
        Assert.Equal("0001020304050607", Assert.Single(await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId)))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task CanaryInAttributesAndEvents_AndTheTraceIds_NeverReachAFileOfTheDataDirectory()
    {
        var canary = "otlpCanary" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var traceIds = Enumerable.Range(0, 20).Select(_ => OtlpSpans.XRayStyleTraceId(now)).ToList();
        var spans = traceIds.Select(id => OtlpSpans.Span(id, now, "op-" + canary, s =>
        {
            s.Attributes.Add(OtlpSpans.Attribute("secret", canary));
            var spanEvent = new Tracevault.Server.Otlp.Proto.Span.Types.Event { Name = "event-" + canary, TimeUnixNano = s.StartTimeUnixNano };
            spanEvent.Attributes.Add(OtlpSpans.Attribute("detail", canary));
            s.Events.Add(spanEvent);
        })).ToArray();
        using (var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("svc-" + canary, spans).ToByteArray())))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        using var xray = XRayApiClient.For(_server);
        Assert.Contains(canary, (await xray.BatchGetTracesAsync(OtlpSpans.XRayId(traceIds[0]))).ToJsonString(), StringComparison.Ordinal);
        var needles = new List<string> { canary };
        needles.AddRange(traceIds.Select(OtlpSpans.XRayId));
        needles.AddRange(traceIds.Select(id => Convert.ToHexStringLower(id)[8..]));
        foreach (var file in Directory.EnumerateFiles(_server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await ReadSharedAsync(file);
            foreach (var needle in needles)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) < 0, $"{file} holds {needle}");
            }
        }
    }

    [Fact]
    public async Task WhileTheKeyIsDisabled_SpansAreRejectedNamingTheKey_NothingIsStored_AndStoringResumesWhenEnabled()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        var keyArn = await EncryptionSettingsTests.CreateKeyAsync(client);
        await EncryptionSettingsTests.PutKmsSettingAsync(client, keyArn);
        await EncryptionSettingsTests.WaitForActiveAsync(client);
        using (var disable = await client.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
        {
            await TraceDocuments.ReadJsonAsync(disable);
        }

        var store = _server.Server.Services.GetRequiredService<ITraceStore>();
        var chunksBefore = (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks);
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        using (var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("svc", OtlpSpans.Span(traceId, now), OtlpSpans.Span(traceId, now)).ToByteArray())))
        {
            var answer = await OtlpSpans.ReadSuccessAsync(response);
            Assert.Equal(2, answer.PartialSuccess.RejectedSpans);
            Assert.Contains(keyArn, answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
            Assert.Contains("disabled", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(chunksBefore, (await store.DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks));
        Assert.Equal(2, _server.Server.Services.GetRequiredService<OtlpCounters>().RejectedStoringStopped);

        using (var enable = await client.KmsAsync("EnableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
        {
            await TraceDocuments.ReadJsonAsync(enable);
        }

        var resumed = OtlpSpans.XRayStyleTraceId(now);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await _http.SendAsync(OtlpSpans.Post(TracesUrl, OtlpSpans.Request("svc", OtlpSpans.Span(resumed, DateTimeOffset.UtcNow)).ToByteArray()));
            if ((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess is null)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "storing resumes once the key is enabled");
            await Task.Delay(100);
        }

        using var xray = XRayApiClient.For(_server);
        Assert.Single(await xray.ReadTraceAsync(OtlpSpans.XRayId(resumed)));
        Assert.Empty(await xray.ReadTraceAsync(OtlpSpans.XRayId(traceId)));
    }

    private async Task<System.Text.Json.JsonElement> AssertMalformedAsync(HttpRequestMessage request, string mentions, bool json = false)
    {
        using (request)
        using (var response = await _http.SendAsync(request))
        {
            if (json)
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                var parsed = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                Assert.Contains(mentions, parsed.GetProperty("message").GetString(), StringComparison.Ordinal);
                return parsed;
            }

            var status = await OtlpSpans.ReadErrorAsync(response, 400);
            Assert.Equal(OtlpRequestException.InvalidArgument, status.Code);
            Assert.Contains(mentions, status.Message, StringComparison.Ordinal);
            return default;
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
