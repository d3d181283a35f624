using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>Strings that are not text and numbers no date or member can hold, in every operation: the protocol's 400, never a 500.</summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private SignedHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>A string value: a surrogate encoded as UTF-8 bytes (not UTF-8), or an escaped unpaired surrogate.</summary>
    public static TheoryData<string> NotText => new() { "raw", "escaped" };

    [Theory]
    [MemberData(nameof(NotText))]
    public async Task EveryOperation_StringThatIsNotText_AnswersTheProtocolsSerializationError(string kind)
    {
        byte[] bad = kind == "raw" ? [(byte)'"', 0xed, 0xa0, 0x80, (byte)'"'] : "\"\\ud800\""u8.ToArray();
        var router = _server.Server.Services.GetRequiredService<ApiRouter>();
        var failures = new List<string>();
        foreach (var protocol in new[] { ApiProtocol.XRay, ApiProtocol.Kms, ApiProtocol.CloudTrail })
        {
            var model = ServiceModel.Load(protocol);
            foreach (var operation in router.Operations(protocol))
            {
                // Every string member of the operation's input holds the value, so whichever the operation reads first meets it.
                var body = new List<byte>("{"u8.ToArray());
                IReadOnlyList<(string Name, string Type, string? ElementType)> members = model is null
                    ? [("KeyId", "string", null), ("TraceIds", "list", "string")]
                    : [.. model.Members(operation).Where(m => m.Type == "string" || m.ElementType == "string")];
                if (members.Count == 0)
                {
                    // An operation without input still reads its body: a member it does not know is no excuse.
                    members = [("Unknown", "string", null)];
                }

                foreach (var (name, type, _) in members)
                {
                    body.AddRange(Encoding.UTF8.GetBytes((body.Count > 1 ? "," : "") + JsonSerializer.Serialize(name) + ":" + (type == "list" ? "[" : "")));
                    body.AddRange(bad);
                    body.AddRange(type == "list" ? "]"u8.ToArray() : []);
                }

                body.Add((byte)'}');
                using var response = await SendAsync(protocol, operation, model, body.ToArray());
                var expected = protocol == ApiProtocol.XRay ? "InvalidRequestException" : "SerializationException";
                var (status, code, message) = await ReadErrorAsync(response);
                if (status != 400 || code != expected)
                {
                    failures.Add($"{protocol} {operation}: {status} {code} {message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("""{"StartTime":1e300,"EndTime":-1e300}""")]
    [InlineData("""{"StartTime":-1e300,"EndTime":1e300}""")]
    [InlineData("""{"EndTime":1e400}""")]
    [InlineData("""{"StartTime":-9223372036854775809}""")]
    public async Task LookupEvents_TimeNoDateHolds_AnswersInvalidTimeRange(string body)
    {
        using var response = await _client.SendAsync("/", "cloudtrail", SignedHttpClient.Json(body), "application/x-amz-json-1.1",
            new() { ["X-Amz-Target"] = ApiRoute.CloudTrailTargetPrefix + "LookupEvents" }, null, null);

        var (status, code, message) = await ReadErrorAsync(response);
        Assert.Equal((400, "InvalidTimeRangeException"), (status, code));
        Assert.Contains("must be a time from 0001-01-01 to 9999-12-31", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/TraceSummaries", """{"StartTime":-1e300,"EndTime":1e300}""")]
    [InlineData("/TraceSummaries", """{"StartTime":0,"EndTime":1e400}""")]
    [InlineData("/TraceSummaries", """{"StartTime":-1,"EndTime":10}""")]
    [InlineData("/ServiceGraph", """{"StartTime":1e300,"EndTime":1e301}""")]
    [InlineData("/ServiceGraph", """{"StartTime":0,"EndTime":253402300800}""")]
    public async Task XRay_TimeNoDateHolds_AnswersInvalidRequest(string path, string body)
    {
        using var response = await _client.XRayAsync(path, SignedHttpClient.Json(body));

        var (status, code, message) = await ReadErrorAsync(response);
        Assert.Equal((400, "InvalidRequestException"), (status, code));
        Assert.Contains("must be epoch seconds from 0 to 253402300799", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ListKeys", """{"Limit":1e300}""", "ValidationException")]
    [InlineData("ListKeys", """{"Limit":99999999999999999999}""", "ValidationException")]
    [InlineData("ListAliases", """{"Limit":-1e400}""", "ValidationException")]
    [InlineData("GenerateRandom", """{"NumberOfBytes":4294967297}""", "ValidationException")]
    [InlineData("ListKeys", """{"Limit":1.5}""", "SerializationException")]
    [InlineData("ListKeys", """{"Limit":"10"}""", "SerializationException")]
    public async Task Kms_NumberNoMemberHolds_AnswersValidationOrSerializationError(string operation, string body, string expected)
    {
        using var response = await _client.KmsAsync(operation, SignedHttpClient.Json(body));

        var (status, code, message) = await ReadErrorAsync(response);
        Assert.Equal((400, expected), (status, code));
        if (expected == "ValidationException")
        {
            Assert.StartsWith("1 validation error detected: Value '", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("PutKeyPolicy")]
    [InlineData("CreateKey")]
    public async Task KeyPolicy_NestedTenThousandDeep_AnswersMalformedPolicyDocument(string operation)
    {
        using var created = await _client.KmsAsync("CreateKey", SignedHttpClient.Json("{}"));
        using var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":{{new string('[', 10_000)}}{{new string(']', 10_000)}}}]}""";
        var keyId = key.RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString();

        using var response = await _client.KmsAsync(operation, operation == "CreateKey"
            ? JsonSerializer.SerializeToUtf8Bytes(new { Policy = policy })
            : JsonSerializer.SerializeToUtf8Bytes(new { KeyId = keyId, Policy = policy }));

        var (status, code, message) = await ReadErrorAsync(response);
        Assert.Equal((400, "MalformedPolicyDocumentException"), (status, code));
        Assert.Contains("not valid JSON", message, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> SendAsync(ApiProtocol protocol, string operation, ServiceModel? model, byte[] body) => protocol switch
    {
        ApiProtocol.XRay => _client.XRayAsync(XRayPath(operation, model), body),
        ApiProtocol.Kms => _client.KmsAsync(operation, body),
        _ => _client.SendAsync("/", "cloudtrail", body, "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = ApiRoute.CloudTrailTargetPrefix + operation }, null, null),
    };

    /// <summary>The path of an X-Ray operation, from its model; checked to route back to the operation.</summary>
    internal static string XRayPath(string operation, ServiceModel? model)
    {
        var path = model?.RequestUri(operation) ?? operation switch
        {
            "GetTraceSummaries" => "/TraceSummaries",
            "BatchGetTraces" => "/Traces",
            _ => throw new InvalidOperationException($"No model to find the path of {operation}."),
        };
        Assert.True(XRayOperations.TryFind(path, out var routed) && routed == operation, $"{path} does not route to {operation}");
        return path;
    }

    /// <summary>The status, <c>__type</c> and <c>message</c> of an answer, which must be JSON in its protocol's envelope.</summary>
    internal static async Task<(int Status, string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = JsonDocument.Parse(text);
            return ((int)response.StatusCode,
                json.RootElement.TryGetProperty("__type", out var type) ? type.GetString() : null,
                json.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null);
        }
        catch (JsonException)
        {
            return ((int)response.StatusCode, null, text);
        }
    }
}
