using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tracevault.Server.Http;

/// <summary>Writes successful JSON answers in each protocol's content type.</summary>
public static class ApiResponses
{
    /// <summary>How answers are written: JSON only, so quotes and apostrophes go out as AWS sends them, not as <c>\u0027</c>.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The content type a protocol answers with.</summary>
    public static string ContentType(ApiProtocol protocol) => protocol == ApiProtocol.XRay ? "application/json" : "application/x-amz-json-1.1";

    /// <summary>Writes a 200 answer whose JSON body <paramref name="write"/> produces.</summary>
    public static async Task WriteAsync(ApiRequest request, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        var response = request.Http.Response;
        response.StatusCode = 200;
        response.ContentType = ContentType(request.Protocol);
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, request.Http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes a 200 answer with an empty JSON object, for operations without output.</summary>
    public static Task WriteEmptyAsync(ApiRequest request) => WriteAsync(request, static writer =>
    {
        writer.WriteStartObject();
        writer.WriteEndObject();
    });
}
