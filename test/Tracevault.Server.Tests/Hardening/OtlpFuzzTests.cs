using System.Buffers.Binary;
using System.Net;
using System.Text;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Otlp;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>
/// Malformed OTLP to the real server, with fixed seeds and bounded counts: OTLP/HTTP protobuf and JSON bodies on <c>/v1/traces</c>
/// and OTLP/gRPC messages and frames. Every answer is OTLP's (a 4xx with a <c>google.rpc.Status</c>, or gRPC INVALID_ARGUMENT),
/// never a 5xx or another gRPC status, nothing fails unexpectedly in the log, and good exports are stored after.
/// </summary>
public sealed class OtlpFuzzTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _http = null!;
    private HttpClient _grpc = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Grpc = [new IPEndPoint(IPAddress.Loopback, 0)];
            options.Otlp.GrpcIsDefault = false;
        });
        _http = new HttpClient();
        _grpc = OtlpGrpcWire.Client();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _grpc.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Otlp_MalformedProtobufJsonAndGrpcFrames_AnswerOtlpStatuses_AndTheServerGoesOn()
    {
        var random = new Random(16);
        var failures = new List<string>();
        var sent = 0;
        var protobufBodies = ProtobufBodies(random).ToList();
        foreach (var (what, body) in protobufBodies)
        {
            sent += 2;
            await CheckHttpAsync(what, body, "application/x-protobuf", failures);
            await CheckGrpcAsync(what, OtlpGrpcWire.Frame(body), null, failures);
        }

        foreach (var (what, body) in JsonBodies(random))
        {
            sent++;
            await CheckHttpAsync(what, body, "application/json", failures);
        }

        foreach (var (what, body, encoding) in GrpcFrames(random))
        {
            sent++;
            await CheckGrpcAsync(what, body, encoding, failures);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} answers were wrong:\n" + string.Join("\n", failures.Take(40)));
        Assert.DoesNotContain(_server.Logs.Lines, line => line.Contains("failed unexpectedly", StringComparison.Ordinal));

        // Good exports after it all are stored, over both.
        var now = DateTimeOffset.UtcNow;
        var overHttp = OtlpSpans.XRayStyleTraceId(now);
        var overGrpc = OtlpSpans.XRayStyleTraceId(now);
        using (var response = await _http.SendAsync(OtlpSpans.Post(_server.Endpoint + "/v1/traces", OtlpSpans.Request("after-fuzz", OtlpSpans.Span(overHttp, now)).ToByteArray())))
        {
            Assert.Null((await OtlpSpans.ReadSuccessAsync(response)).PartialSuccess);
        }

        var grpcAnswer = await OtlpGrpcWire.ExportAsync(_grpc, _server.Server.Otlp.Grpc[0], OtlpGrpcWire.Frame(OtlpSpans.Request("after-fuzz", OtlpSpans.Span(overGrpc, now)).ToByteArray()));
        Assert.Equal(0, grpcAnswer.GrpcStatus);
        using var xray = XRay.XRayApiClient.For(_server);
        Assert.Single(await xray.ReadTraceAsync(OtlpSpans.XRayId(overHttp)));
        Assert.Single(await xray.ReadTraceAsync(OtlpSpans.XRayId(overGrpc)));
    }

    private async Task CheckHttpAsync(string what, byte[] body, string contentType, List<string> failures)
    {
        using var response = await _http.SendAsync(OtlpSpans.Post(_server.Endpoint + "/v1/traces", body, contentType));
        var answer = await response.Content.ReadAsByteArrayAsync();
        var status = (int)response.StatusCode;
        var json = contentType == "application/json";
        if (status >= 500 || (status != 200 && status / 100 != 4))
        {
            failures.Add($"HTTP {contentType} {what}: {status} {Shorten(Encoding.UTF8.GetString(answer))}");
            return;
        }

        if (response.Content.Headers.ContentType?.MediaType != contentType)
        {
            failures.Add($"HTTP {contentType} {what}: {status} with content type {response.Content.Headers.ContentType}");
            return;
        }

        try
        {
            if (status == 200)
            {
                _ = json ? JsonParser.Default.Parse<ExportTraceServiceResponse>(Encoding.UTF8.GetString(answer)) : ExportTraceServiceResponse.Parser.ParseFrom(answer);
            }
            else
            {
                var rpc = json ? JsonParser.Default.Parse<Tracevault.Server.Otlp.Proto.Rpc.Status>(Encoding.UTF8.GetString(answer)) : Tracevault.Server.Otlp.Proto.Rpc.Status.Parser.ParseFrom(answer);
                if (rpc.Code == 0 || rpc.Message.Length == 0)
                {
                    failures.Add($"HTTP {contentType} {what}: {status} with an empty status");
                }
            }
        }
        catch (InvalidProtocolBufferException exception)
        {
            failures.Add($"HTTP {contentType} {what}: {status} with an answer that is not OTLP's: {exception.Message}");
        }
    }

    private async Task CheckGrpcAsync(string what, byte[] body, string? encoding, List<string> failures)
    {
        var answer = await OtlpGrpcWire.ExportAsync(_grpc, _server.Server.Otlp.Grpc[0], body, encoding);
        if (answer.HttpStatus != 200 || answer.GrpcStatus is not (0 or 3))
        {
            failures.Add($"gRPC {what}: HTTP {answer.HttpStatus}, grpc-status {answer.GrpcStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} {Shorten(answer.GrpcMessage)}");
        }
        else if (answer.GrpcStatus == 3 && answer.GrpcMessage.Length == 0)
        {
            failures.Add($"gRPC {what}: INVALID_ARGUMENT without a message");
        }
    }

    /// <summary>Export requests that are not protobuf, or are protobuf no SDK would send.</summary>
    private static IEnumerable<(string What, byte[] Body)> ProtobufBodies(Random random)
    {
        var now = DateTimeOffset.UtcNow;
        var valid = OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now), OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now, "second")).ToByteArray();
        yield return ("an empty body", []);
        yield return ("a valid request", valid);
        for (var i = 0; i < 12; i++)
        {
            yield return ($"truncated at {i}", valid[..random.Next(valid.Length)]);
            var flipped = (byte[])valid.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
            }

            yield return ($"mutated {i}", flipped);
            var bytes = new byte[random.Next(1, 600)];
            random.NextBytes(bytes);
            yield return ($"random {i}", bytes);
        }

        yield return ("a length of 2^32-1", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        yield return ("a length of 2^63", [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]);
        yield return ("an 11-byte varint", [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        yield return ("a negative length", [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        foreach (var wireType in new byte[] { 0, 1, 3, 4, 5, 6, 7 })
        {
            yield return ($"resource_spans with wire type {wireType}", [(byte)(0x08 | wireType), 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
        }

        yield return ("field number 0", [0x02, 0x00]);
        yield return ("a span id of the wrong wire type", Nested(valid, [0x15, 0x01, 0x02, 0x03, 0x04]));
        yield return ("a string that is not UTF-8", OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now)).ToByteArray().Concat(Scope([0x12, 0x02, 0xed, 0xa0])).ToArray());
        foreach (var depth in new[] { 5, 20, 28, 31, 40, 200, 3_000 })
        {
            yield return ($"kvlist nested {depth} deep", Attribute(now, Kvlist(depth)));
            yield return ($"array nested {depth} deep", Attribute(now, Array(depth)));
        }

        yield return ("a kvlist of 20,000 keys", Attribute(now, Wide()));
        yield return ("a span with 70 links of 16-byte garbage", OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now, alter: s =>
        {
            for (var i = 0; i < 70; i++)
            {
                s.Links.Add(new Span.Types.Link { TraceId = ByteString.CopyFrom(new byte[i % 20]), SpanId = ByteString.CopyFrom(new byte[i % 11]) });
            }
        })).ToByteArray());
        yield return ("extreme numbers", OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now, alter: s =>
        {
            s.Attributes.Add(new KeyValue { Key = "nan", Value = new AnyValue { DoubleValue = double.NaN } });
            s.Attributes.Add(new KeyValue { Key = "inf", Value = new AnyValue { DoubleValue = double.NegativeInfinity } });
            s.Attributes.Add(new KeyValue { Key = "min", Value = new AnyValue { IntValue = long.MinValue } });
            s.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = long.MaxValue } });
            s.Attributes.Add(new KeyValue { Key = "", Value = new AnyValue() });
            s.Kind = (Span.Types.SpanKind)int.MaxValue;
            s.Status = new Status { Code = (Status.Types.StatusCode)(-5), Message = "\u0000\uffff" };
            s.EndTimeUnixNano = ulong.MaxValue;
        })).ToByteArray());
        yield return ("a start time of 2^64-1", OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now, alter: s => s.StartTimeUnixNano = ulong.MaxValue)).ToByteArray());
    }

    /// <summary>OTLP/JSON bodies that are not JSON, not OTLP, or OTLP with values no SDK sends.</summary>
    private static IEnumerable<(string What, byte[] Body)> JsonBodies(Random random)
    {
        var now = DateTimeOffset.UtcNow;
        var nanos = (now.ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Span(string fields) =>
            "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"fuzz\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":\""
            + Convert.ToHexStringLower(OtlpSpans.XRayStyleTraceId(now)) + "\",\"spanId\":\"0102030405060708\",\"name\":\"x\",\"kind\":2,\"startTimeUnixNano\":\""
            + nanos + "\",\"endTimeUnixNano\":\"" + nanos + "\"" + fields + "}]}]}]}";
        var valid = Span("");
        yield return ("a valid request", Encoding.UTF8.GetBytes(valid));
        foreach (var text in new[] { "", "null", "[]", "\"s\"", "1e999", "{", "}", "{\"resourceSpans\":", "{\"resourceSpans\":null}", "{\"resourceSpans\":{}}", "{\"resourceSpans\":[1]}", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":5}]}]}]}", "{}{}" })
        {
            yield return (text.Length == 0 ? "empty" : text, Encoding.UTF8.GetBytes(text));
        }

        foreach (var fields in new[]
        {
            ",\"kind\":99", ",\"kind\":\"SPAN_KIND_NOPE\"", ",\"kind\":1e400", ",\"startTimeUnixNano\":\"1e400\"", ",\"droppedAttributesCount\":-1",
            ",\"droppedAttributesCount\":99999999999", ",\"flags\":\"x\"", ",\"parentSpanId\":\"zz\"", ",\"parentSpanId\":\"0102\"", ",\"traceState\":\"\\ud800\"",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"18446744073709551616\"}}]",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"NaN\"}}]",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"bytesValue\":\"not base64 ~~\"}}]",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"a\",\"intValue\":1}}]",
            ",\"attributes\":[{\"key\":\"k\",\"value\":{\"arrayValue\":{\"values\":[{\"kvlistValue\":{\"values\":[{\"key\":\"\"}]}}]}}}]",
            ",\"events\":[{\"timeUnixNano\":\"-1\",\"name\":\"e\"}]", ",\"links\":[{\"traceId\":\"00\",\"spanId\":\"\"}]", ",\"status\":{\"code\":7}",
        })
        {
            yield return (fields, Encoding.UTF8.GetBytes(Span(fields)));
        }

        foreach (var depth in new[] { 10, 30, 63, 64, 65, 200, 10_000 })
        {
            var nested = new StringBuilder();
            for (var i = 0; i < depth; i++)
            {
                nested.Append("{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":");
            }

            nested.Append("{\"stringValue\":\"leaf\"}");
            for (var i = 0; i < depth; i++)
            {
                nested.Append("}]}}");
            }

            yield return ($"kvlist nested {depth} deep", Encoding.UTF8.GetBytes(Span($",\"attributes\":[{{\"key\":\"deep\",\"value\":{nested}}}]")));
            yield return ($"arrays nested {depth} deep", Encoding.UTF8.GetBytes(Span($",\"attributes\":[{{\"key\":\"deep\",\"value\":{string.Concat(Enumerable.Repeat("{\"arrayValue\":{\"values\":[", depth))}{{\"intValue\":1}}{string.Concat(Enumerable.Repeat("]}}", depth))}}}]")));
        }

        var bytes = Encoding.UTF8.GetBytes(valid);
        for (var i = 0; i < 10; i++)
        {
            yield return ($"truncated at {i}", bytes[..random.Next(bytes.Length)]);
            var flipped = (byte[])bytes.Clone();
            flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
            yield return ($"mutated {i}", flipped);
        }

        yield return ("not UTF-8", [.. "{\"resourceSpans\":[{\"schemaUrl\":\""u8, 0xed, 0xa0, 0x80, .. "\"}]}"u8]);
        yield return ("a byte order mark", [0xef, 0xbb, 0xbf, .. bytes]);
        yield return ("deep JSON arrays", Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000)));
    }

    /// <summary>gRPC bodies whose framing is broken: truncated, too long, extra messages, bad flags, compression that is not.</summary>
    private static IEnumerable<(string What, byte[] Body, string? Encoding)> GrpcFrames(Random random)
    {
        var now = DateTimeOffset.UtcNow;
        var message = OtlpSpans.Request("fuzz", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now)).ToByteArray();
        var frame = OtlpGrpcWire.Frame(message);
        yield return ("an empty body", [], null);
        yield return ("three bytes of header", frame[..3], null);
        yield return ("a header only", frame[..5], null);
        yield return ("a truncated message", frame[..(frame.Length - 1)], null);
        yield return ("two messages", [.. frame, .. frame], null);
        yield return ("a message and a byte", [.. frame, 0], null);
        var huge = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(huge.AsSpan(1), uint.MaxValue);
        yield return ("a length of 2^32-1", huge, null);
        var flag = (byte[])frame.Clone();
        flag[0] = 7;
        yield return ("a flag of 7", flag, null);
        yield return ("flagged compressed without an encoding", OtlpGrpcWire.Frame(message, compressed: true), null);
        yield return ("flagged compressed, identity", OtlpGrpcWire.Frame(message, compressed: true), "identity");
        yield return ("flagged gzip, not gzip", OtlpGrpcWire.Frame(message, compressed: true), "gzip");
        var gzipped = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(gzipped, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(message);
        }

        yield return ("gzip, truncated", OtlpGrpcWire.Frame(gzipped.ToArray()[..(int)(gzipped.Length / 2)], compressed: true), "gzip");
        yield return ("a gzip bomb", OtlpGrpcWire.Frame(OtlpCounterTests.GzipOfZeros(64 * 1024 * 1024), compressed: true), "gzip");
        yield return ("gzip of random bytes", OtlpGrpcWire.Frame(Gzip(RandomBytes(random, 3_000)), compressed: true), "gzip");
        for (var i = 0; i < 6; i++)
        {
            yield return ($"random bytes {i}", RandomBytes(random, random.Next(1, 400)), null);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>A request whose one span carries <paramref name="value"/> as its attribute <c>fuzz</c>; built as bytes, so no depth limit of the writer applies.</summary>
    private static byte[] Attribute(DateTimeOffset now, byte[] value)
    {
        var span = OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now).ToByteArray();
        var keyValue = Field(1, "fuzz"u8.ToArray()).Concat(Field(2, value)).ToArray();
        return Scope([.. span, .. Field(9, keyValue)]);
    }

    /// <summary>An export request holding one resource, one scope and the span given as its fields.</summary>
    private static byte[] Scope(byte[] spanFields)
    {
        var scope = Field(2, spanFields);
        return Field(1, Field(2, scope));
    }

    /// <summary>An AnyValue holding kvlists <paramref name="depth"/> deep.</summary>
    private static byte[] Kvlist(int depth)
    {
        var value = Field(1, "leaf"u8.ToArray());
        for (var i = 0; i < depth; i++)
        {
            var keyValue = Field(1, "k"u8.ToArray()).Concat(Field(2, value)).ToArray();
            value = Field(6, Field(1, keyValue));
        }

        return value;
    }

    /// <summary>An AnyValue holding arrays <paramref name="depth"/> deep.</summary>
    private static byte[] Array(int depth)
    {
        byte[] value = [0x18, 0x01];
        for (var i = 0; i < depth; i++)
        {
            value = Field(5, Field(1, value));
        }

        return value;
    }

    /// <summary>An AnyValue holding a kvlist of 20,000 keys.</summary>
    private static byte[] Wide()
    {
        var values = new MemoryStream();
        for (var i = 0; i < 20_000; i++)
        {
            var keyValue = Field(1, Encoding.UTF8.GetBytes("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Concat(Field(2, [0x18, 0x01])).ToArray();
            values.Write(Field(1, keyValue));
        }

        return Field(6, values.ToArray());
    }

    /// <summary>The request with <paramref name="extra"/> appended to the first span's fields.</summary>
    private static byte[] Nested(byte[] valid, byte[] extra)
    {
        var request = ExportTraceServiceRequest.Parser.ParseFrom(valid);
        var span = request.ResourceSpans[0].ScopeSpans[0].Spans[0].ToByteArray();
        return Scope([.. span, .. extra]);
    }

    /// <summary>A length-delimited protobuf field.</summary>
    private static byte[] Field(int number, byte[] value)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(number, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFrom(value));
        coded.Flush();
        return output.ToArray();
    }

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;
}
