using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>
/// Malformed input to every operation of every protocol the server serves, with fixed seeds and bounded counts: no answer is a
/// 5xx, every answer is in its protocol's envelope, nothing fails unexpectedly in the log, and good requests are served after.
/// The operations come from the server's own registration, so a new one is fuzzed without editing this file.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private static readonly string[] WrongTypes = ["\"x\"", "1", "{}", "[]", "null", "true", "-1", "\"\""];

    private static readonly string[] HugeNumbers = ["1e300", "-1e300", "1e400", "-1e400", "123456789012345678901234567890", "-0.0", "0.5", "-9223372036854775809"];

    private TestServer _server = null!;
    private SignedHttpClient _client = null!;
    private string _keyArn = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var created = await _client.KmsAsync("CreateKey", SignedHttpClient.Json("{}"));
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        _keyArn = json.RootElement.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ApiOperations_MalformedBodies_AnswerInTheProtocolsEnvelope()
    {
        var random = new Random(20261205);
        var router = _server.Server.Services.GetRequiredService<ApiRouter>();
        var failures = new List<string>();
        var sent = 0;
        foreach (var protocol in new[] { ApiProtocol.XRay, ApiProtocol.Kms, ApiProtocol.CloudTrail })
        {
            var model = ServiceModel.Load(protocol);
            var registered = router.Operations(protocol);
            Assert.NotEmpty(registered);
            if (model is not null)
            {
                // Every operation served is one the service defines, under its model name (and, for X-Ray, its model path).
                Assert.Empty(registered.Except(model.Operations));
            }

            foreach (var operation in registered)
            {
                var members = model?.Members(operation) ?? [];
                foreach (var body in Mutations(members, random))
                {
                    using var response = await SendAsync(protocol, operation, model, body);
                    sent++;
                    if (await DescribeProblemAsync(protocol, response) is { } problem)
                    {
                        failures.Add($"{protocol} {operation} with {Describe(body)}: {problem}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} answers were wrong:\n" + string.Join("\n", failures.Take(40)));
        Assert.DoesNotContain(_server.Logs.Lines, line => line.Contains("failed unexpectedly", StringComparison.Ordinal));
        await AssertGoodRequestsServedAsync();
    }

    [Fact]
    public async Task Console_MalformedFormsAndQueries_AnswerHtmlPages()
    {
        var random = new Random(7);
        using var console = new ConsoleHttpClient(_server.Endpoint);
        using (var signedIn = await console.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        using var keysPage = await console.GetAsync("/console/keys");
        var csrf = ConsoleHttpClient.CsrfToken(await keysPage.Content.ReadAsStringAsync());
        var keyId = _keyArn[(_keyArn.LastIndexOf('/') + 1)..];
        var failures = new List<string>();

        var values = new List<string> { "", "x", keyId, _keyArn, "alias/aws/xray", "KMS", "NONE", "99999999999999999999", "-1", "1e300", new string('a', 70_000), "\0\u0001", "\ud800" };
        var forms = new (string Path, string[] Fields)[]
        {
            ("/console/encryption", ["type", "key", "keyArn"]),
            ("/console/keys/create", ["spec", "usage", "description", "alias"]),
            ("/console/keys/alias", ["keyId", "alias"]),
            ("/console/keys/enable", ["keyId"]),
            ("/console/keys/disable", ["keyId"]),
            ("/console/keys/rotate", ["keyId"]),
            ("/console/keys/schedule-deletion", ["keyId", "days"]),
            ("/console/keys/cancel-deletion", ["keyId"]),
            ("/console/keys/no-such-action", ["keyId"]),
        };
        foreach (var (path, fields) in forms)
        {
            for (var round = 0; round < 12; round++)
            {
                var form = new Dictionary<string, string> { ["csrf"] = csrf };
                foreach (var field in fields)
                {
                    form[field] = values[random.Next(values.Count)];
                }

                using var response = await PostFormAsync(console, path, form);
                await CheckPageAsync(response, $"POST {path} {string.Join(", ", form.Select(f => f.Key + "=" + Shorten(f.Value)))}", failures);
            }

            foreach (var raw in RawForms(csrf, random))
            {
                using var response = await console.SendAsync(path, raw);
                await CheckPageAsync(response, $"POST {path} raw {Describe(raw)}", failures);
            }
        }

        var deep = new string('(', 5_000) + "ok" + new string(')', 5_000);
        foreach (var query in new[]
        {
            "/console/traces?filter=" + Uri.EscapeDataString(deep),
            "/console/traces?filter=" + Uri.EscapeDataString(new string('!', 3_000) + "ok"),
            "/console/traces?filter=%ED%A0%80",
            "/console/traces?filter=" + Uri.EscapeDataString("annotation.x = 1e400 AND responsetime > -1e300"),
            "/console/traces?range=custom&start=0001-01-01T00:00&end=9999-12-31T23:59",
            "/console/traces?range=custom&start=junk&end=%ED%A0%80",
            "/console/traces?after=9223372036854775807%20NaN%20x&page=99999999999",
            "/console/traces?after=-9223372036854775808%20-1e400%20x",
            "/console/traces/" + new string('f', 3_000),
            "/console/traces/1-00000000-000000000000000000000000",
            "/console/map?range=custom&start=0001-01-01T00:00&end=9999-12-31T23:59",
            "/console/audit?before=99999999999999999999999",
            "/console/audit/%ED%A0%80",
            "/console/keys?key=%00",
            "/console/encryption?x=" + new string('y', 10_000),
        })
        {
            using var response = await console.GetAsync(query);
            await CheckPageAsync(response, "GET " + Shorten(query), failures);
        }

        // Sign-in last: a successful one would replace the session.
        for (var round = 0; round < 12; round++)
        {
            var form = new Dictionary<string, string>
            {
                ["csrf"] = round % 3 == 0 ? "" : csrf,
                ["accessKeyId"] = values[random.Next(values.Count)],
                ["secretAccessKey"] = values[random.Next(values.Count)],
                ["next"] = values[random.Next(values.Count)],
            };
            using var response = await PostFormAsync(console, "/console/signin", form);
            await CheckPageAsync(response, "POST /console/signin", failures);
        }

        foreach (var raw in RawForms(csrf, random))
        {
            using var response = await console.SendAsync("/console/signin", raw);
            await CheckPageAsync(response, $"POST /console/signin raw {Describe(raw)}", failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        Assert.DoesNotContain(_server.Logs.Lines, line => line.Contains("failed unexpectedly", StringComparison.Ordinal));
        await AssertGoodRequestsServedAsync();
    }

    [Fact]
    public async Task Udp_MalformedDatagrams_AreDroppedAndTheListenerGoesOn()
    {
        var random = new Random(99);
        var header = "{\"format\":\"json\",\"version\":1}\n"u8.ToArray();
        var now = DateTimeOffset.UtcNow;
        var valid = Encoding.UTF8.GetBytes(TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now));
        List<byte[]> datagrams =
        [
            [],
            header,
            [.. "{\"format\":\""u8, 0xed, 0xa0, 0x80, .. "\",\"version\":1}\n"u8, .. valid],
            [.. "{\"format\":\"json\",\"version\":1e400}\n"u8, .. valid],
            [.. header, .. Encoding.UTF8.GetBytes(new string('[', 30_000) + new string(']', 30_000))],
            [.. header, .. Encoding.UTF8.GetBytes(TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now).Replace("\"service\"", "\"\\ud800\"", StringComparison.Ordinal))],
            [.. header, .. Encoding.UTF8.GetBytes(TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now).Replace("}", ",\"user\":\"\\udc00\"}", StringComparison.Ordinal))],
            [.. header, .. valid.AsSpan(0, valid.Length / 2)],
            [.. header, .. Encoding.UTF8.GetBytes(TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now).Replace("\"start_time\":", "\"start_time\":1e400,\"x\":", StringComparison.Ordinal))],
            [.. header, .. Encoding.UTF8.GetBytes("{\"id\":" + new string('9', 60_000) + "}")],
        ];
        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(1, 2_000)];
            random.NextBytes(bytes);
            datagrams.Add(i % 2 == 0 ? bytes : [.. header, .. bytes]);
        }

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, _server.Server.Endpoint.Port);
        foreach (var datagram in datagrams)
        {
            await udp.SendAsync(datagram, target);
        }

        // A good segment after them all is stored: the listener went on.
        var traceId = TraceDocuments.NewTraceId(now);
        await udp.SendAsync((byte[])[.. header, .. Encoding.UTF8.GetBytes(TraceDocuments.Segment(traceId, now, "after-fuzz"))], target);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await _client.XRayAsync("/Traces", TraceDocuments.BatchGetTracesBody([traceId]));
            var json = await TraceDocuments.ReadJsonAsync(response);
            if (json.GetProperty("Traces").GetArrayLength() == 1)
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "The good segment sent after the malformed datagrams was never stored.");
            await Task.Delay(100);
        }

        Assert.DoesNotContain(_server.Logs.Lines, line => line.Contains("failed unexpectedly", StringComparison.Ordinal));
        await AssertGoodRequestsServedAsync();
    }

    /// <summary>Malformed bodies for an operation whose input has <paramref name="members"/>: a few of each kind, chosen by the seeded <paramref name="random"/>.</summary>
    private IEnumerable<byte[]> Mutations(IReadOnlyList<(string Name, string Type, string? ElementType)> members, Random random)
    {
        var skeleton = members.ToDictionary(m => m.Name, m => ValidValue(m.Name, m.Type, m.ElementType), StringComparer.Ordinal);
        var valid = Body(skeleton);

        yield return [];
        yield return valid;
        foreach (var text in new[] { "null", "[]", "\"s\"", "1e999", "{", "}", "{\"a\":1,}", "{\"a\" 1}", "{}{}", " " })
        {
            yield return Encoding.UTF8.GetBytes(text);
        }

        for (var i = 0; i < 3; i++)
        {
            yield return valid[..random.Next(valid.Length)];
            var bytes = new byte[random.Next(1, 512)];
            random.NextBytes(bytes);
            yield return bytes;
        }

        yield return Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000));
        yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000));
        yield return [.. "{\"x\":\""u8, 0xed, 0xa0, 0x80, .. "\"}"u8];
        yield return [0xff, 0xfe, .. valid];

        foreach (var (name, type, _) in members)
        {
            foreach (var wrong in WrongTypes.OrderBy(_ => random.Next()).Take(3))
            {
                yield return Body(new Dictionary<string, string>(skeleton) { [name] = wrong });
            }

            yield return Body(new Dictionary<string, string>(skeleton) { [name] = new string('[', 70) + new string(']', 70) });
            if (type is "integer" or "long" or "double" or "float" or "timestamp")
            {
                foreach (var huge in HugeNumbers)
                {
                    yield return Body(new Dictionary<string, string>(skeleton) { [name] = huge });
                }
            }

            if (type == "string" || type == "list" || type == "blob")
            {
                var wrapped = type == "list" ? "[{0}]" : "{0}";
                yield return Body(new Dictionary<string, string>(skeleton) { [name] = string.Format(CultureInfo.InvariantCulture, wrapped, "\"\\ud800\"") });
                yield return Body(new Dictionary<string, string>(skeleton) { [name] = string.Format(CultureInfo.InvariantCulture, wrapped, JsonSerializer.Serialize(new string('x', 300_000))) });
                yield return Body(new Dictionary<string, string>(skeleton) { [name] = string.Format(CultureInfo.InvariantCulture, wrapped, "\"not base64 ~~\"") });
            }
        }
    }

    private string ValidValue(string name, string type, string? elementType)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return type switch
        {
            "string" when name.EndsWith("KeyId", StringComparison.Ordinal) => JsonSerializer.Serialize(_keyArn),
            "string" when name == "AliasName" => "\"alias/fuzz\"",
            "string" => "\"x\"",
            "timestamp" => (name.StartsWith("Start", StringComparison.Ordinal) ? now - 3600 : now).ToString(CultureInfo.InvariantCulture),
            "integer" or "long" => "1",
            "double" or "float" => "1.5",
            "boolean" => "true",
            "blob" => "\"AAAA\"",
            "list" => elementType == "string" ? "[\"x\"]" : "[{}]",
            "map" => "{\"k\":\"v\"}",
            _ => "{}",
        };
    }

    private static byte[] Body(Dictionary<string, string> members) =>
        Encoding.UTF8.GetBytes("{" + string.Join(",", members.Select(m => JsonSerializer.Serialize(m.Key) + ":" + m.Value)) + "}");

    private Task<HttpResponseMessage> SendAsync(ApiProtocol protocol, string operation, ServiceModel? model, byte[] body) => protocol switch
    {
        ApiProtocol.XRay => _client.XRayAsync(MalformedRequestTests.XRayPath(operation, model), body),
        ApiProtocol.Kms => _client.KmsAsync(operation, body),
        _ => _client.SendAsync("/", "cloudtrail", body, "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = ApiRoute.CloudTrailTargetPrefix + operation }, null, null),
    };

    /// <summary>What is wrong with an API answer, or null: a 5xx, another content type, or an error without <c>__type</c> and <c>message</c>.</summary>
    private static async Task<string?> DescribeProblemAsync(ApiProtocol protocol, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return $"{status} {Shorten(text)}";
        }

        if (response.Content.Headers.ContentType?.MediaType != ApiResponses.ContentType(protocol))
        {
            return $"{status} with content type {response.Content.Headers.ContentType}";
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (status >= 400 && !(json.RootElement.TryGetProperty("__type", out var type) && type.ValueKind == JsonValueKind.String
                && json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String))
            {
                return $"{status} without __type and message: {Shorten(text)}";
            }
        }
        catch (JsonException)
        {
            return $"{status} not JSON: {Shorten(text)}";
        }

        return null;
    }

    private static async Task CheckPageAsync(HttpResponseMessage response, string request, List<string> failures)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            failures.Add($"{request}: {status}");
        }
        else if (status is not (301 or 302 or 303) && response.Content.Headers.ContentType?.MediaType != "text/html" && status != 414)
        {
            failures.Add($"{request}: {status} with content type {response.Content.Headers.ContentType}");
        }
    }

    private static Task<HttpResponseMessage> PostFormAsync(ConsoleHttpClient console, string path, Dictionary<string, string> form) =>
        console.SendAsync(path, Encoding.UTF8.GetBytes(string.Join("&", form.Select(f => Uri.EscapeDataString(f.Key) + "=" + EscapeFormValue(f.Value)))));

    /// <summary>A form value percent-encoded; a lone surrogate goes as the bytes ED A0 80, which no UTF-8 decoder takes.</summary>
    private static string EscapeFormValue(string value) => value == "\ud800" ? "%ED%A0%80" : Uri.EscapeDataString(value);

    private static IEnumerable<byte[]> RawForms(string csrf, Random random)
    {
        var token = Encoding.UTF8.GetBytes("csrf=" + csrf);
        yield return [];
        yield return token;
        yield return [.. token, .. "&keyId=%ED%A0%80&type=%FF%FE&days=%"u8];
        yield return [.. token, .. "&&&==&="u8];
        yield return [.. token, .. Encoding.UTF8.GetBytes("&" + string.Concat(Enumerable.Repeat("a=1&", 200)))];
        var bytes = new byte[random.Next(1, 1_000)];
        random.NextBytes(bytes);
        yield return bytes;
        yield return [.. token, (byte)'&', .. bytes];
    }

    private async Task AssertGoodRequestsServedAsync()
    {
        using var config = await _client.XRayAsync("/EncryptionConfig", SignedHttpClient.Json("{}"));
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        using var keys = await _client.KmsAsync("ListKeys", SignedHttpClient.Json("{}"));
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        using var events = await _client.SendAsync("/", "cloudtrail", SignedHttpClient.Json("{}"), "application/x-amz-json-1.1",
            new() { ["X-Amz-Target"] = ApiRoute.CloudTrailTargetPrefix + "LookupEvents" }, null, null);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
    }

    private static string Describe(byte[] body) => body.Length == 0 ? "an empty body" : $"{body.Length} bytes '{Shorten(Encoding.UTF8.GetString(body))}'";

    private static string Shorten(string text) => text.Length > 120 ? text[..120] + "…" : text;
}
