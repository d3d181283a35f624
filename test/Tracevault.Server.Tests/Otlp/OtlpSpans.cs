using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>Builds OTLP export requests as an SDK sends them, and reads OTLP answers.</summary>
internal static class OtlpSpans
{
    /// <summary>A trace id whose first four bytes are <paramref name="at"/>'s seconds, as the AWS X-Ray id generator makes them.</summary>
    public static byte[] XRayStyleTraceId(DateTimeOffset at)
    {
        var id = RandomNumberGenerator.GetBytes(16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(id, (uint)at.ToUnixTimeSeconds());
        return id;
    }

    /// <summary>The X-Ray form of a trace id.</summary>
    public static string XRayId(byte[] traceId)
    {
        var hex = Convert.ToHexStringLower(traceId);
        return $"1-{hex[..8]}-{hex[8..]}";
    }

    /// <summary>A server span of one millisecond, started at <paramref name="start"/>.</summary>
    public static Span Span(byte[] traceId, DateTimeOffset start, string name = "GET /orders", Action<Span>? alter = null)
    {
        var nanos = (ulong)(start.ToUnixTimeMilliseconds() * 1_000_000);
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(8)),
            Name = name,
            Kind = Tracevault.Server.Otlp.Proto.Span.Types.SpanKind.Server,
            StartTimeUnixNano = nanos,
            EndTimeUnixNano = nanos + 1_000_000,
        };
        span.Attributes.Add(Attribute("http.request.method", "GET"));
        alter?.Invoke(span);
        return span;
    }

    /// <summary>A string attribute.</summary>
    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    /// <summary>An export request of one service holding <paramref name="spans"/>.</summary>
    public static ExportTraceServiceRequest Request(string serviceName, params Span[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tracevault-tests", Version = "1.0" } };
        scope.Spans.AddRange(spans);
        var resource = new ResourceSpans { Resource = new Tracevault.Server.Otlp.Proto.Resource() };
        resource.Resource.Attributes.Add(Attribute("service.name", serviceName));
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    /// <summary>An IPv4 address of this machine that is not loopback: connections to it come from it, so the server sees a sender that is not on loopback.</summary>
    public static IPAddress NonLoopbackAddress()
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(address is not null, "the machine needs a non-loopback IPv4 address to send from elsewhere");
        return address;
    }

    /// <summary>An unsigned protobuf POST to <paramref name="url"/>.</summary>
    public static HttpRequestMessage Post(string url, byte[] body, string contentType = "application/x-protobuf", string? contentEncoding = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        return request;
    }

    /// <summary>Reads a protobuf <c>ExportTraceServiceResponse</c>, asserting a 200.</summary>
    public static async Task<ExportTraceServiceResponse> ReadSuccessAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"{(int)response.StatusCode}: {TryStatus(body)}");
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        return ExportTraceServiceResponse.Parser.ParseFrom(body);
    }

    /// <summary>Reads a protobuf <c>google.rpc.Status</c> error answer, asserting its HTTP status.</summary>
    public static async Task<Tracevault.Server.Otlp.Proto.Rpc.Status> ReadErrorAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(status, (int)response.StatusCode);
        return Tracevault.Server.Otlp.Proto.Rpc.Status.Parser.ParseFrom(body);
    }

    private static string TryStatus(byte[] body)
    {
        try
        {
            return Tracevault.Server.Otlp.Proto.Rpc.Status.Parser.ParseFrom(body).Message;
        }
        catch (InvalidProtocolBufferException)
        {
            return System.Text.Encoding.UTF8.GetString(body);
        }
    }
}
