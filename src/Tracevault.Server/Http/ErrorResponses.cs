using System.Text.Json;

namespace Tracevault.Server.Http;

/// <summary>The one place error answers are written, so the X-Ray, KMS and CloudTrail envelopes cannot drift.</summary>
public static class ErrorResponses
{
    /// <summary>Writes an error as <c>{"__type": code, "message": …}</c> with the protocol's content type and <c>x-amzn-ErrorType</c>.</summary>
    public static async Task WriteAsync(HttpContext context, ApiProtocol protocol, ApiException error)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = ApiResponses.ContentType(protocol);
        response.Headers["x-amzn-ErrorType"] = error.Code;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ApiResponses.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The status authentication and authorization errors carry in a protocol: X-Ray answers 403 as AWS's REST front door does; the JSON 1.1 services answer 400.</summary>
    public static int AuthStatus(ApiProtocol protocol) => protocol == ApiProtocol.XRay ? 403 : 400;

    /// <summary>The error a protocol gives for a request that is malformed before any operation sees it.</summary>
    public static string ValidationCode(ApiProtocol protocol) => protocol switch
    {
        ApiProtocol.XRay => "InvalidRequestException",
        _ => "ValidationException",
    };

    /// <summary>The error a protocol gives for a body that is not JSON.</summary>
    public static string SerializationCode(ApiProtocol protocol) => protocol switch
    {
        ApiProtocol.XRay => "InvalidRequestException",
        _ => "SerializationException",
    };
}
