using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>OTLP/gRPC at the wire: HTTP/2 without TLS, frames written by hand, so a test can send what no gRPC library would.</summary>
internal static class OtlpGrpcWire
{
    /// <summary>The HTTP/2 path of <c>TraceService/Export</c>.</summary>
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    /// <summary>An HTTP client that speaks HTTP/2 with prior knowledge (h2c), as gRPC clients do without TLS.</summary>
    public static HttpClient Client() => new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>One gRPC message frame: the compressed flag, the four-byte big-endian length, the message.</summary>
    public static byte[] Frame(byte[] message, bool compressed = false)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Posts <paramref name="body"/> as is to Export and returns the HTTP status, the gRPC status and message (from trailers, or headers when trailers-only), and the body.</summary>
    public static async Task<(int HttpStatus, int? GrpcStatus, string GrpcMessage, byte[] Body)> ExportAsync(
        HttpClient http, IPEndPoint endpoint, byte[] body, string? grpcEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{endpoint}{ExportPath}") {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (grpcEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", grpcEncoding);
        }

        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsByteArrayAsync();
        string? Value(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
            : response.Headers.TryGetValues(name, out var header) ? header.First() : null;
        var status = Value("grpc-status") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        return ((int)response.StatusCode, status, Uri.UnescapeDataString(Value("grpc-message") ?? ""), answer);
    }
}
