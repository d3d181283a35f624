using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Tracevault.Core.Identity;

namespace Tracevault.Server.Otlp;

/// <summary>
/// Admits an OTLP/gRPC export before gRPC reads it: the body read whole and bounded, its sender authenticated by the rule of
/// <c>/v1/traces</c> (SigV4 as metadata over the body as sent, or unsigned from loopback), a gzip message inflated only up to the limit.
/// </summary>
/// <remarks>
/// The signature covers the HTTP/2 request as it travels: <c>POST</c>, the <c>:path</c>, the signed headers (<c>host</c> is
/// <c>:authority</c>) and the SHA-256 of the request body, i.e. the length-prefixed gRPC message frame(s) as sent (compressed when
/// sent compressed).
/// </remarks>
internal static class OtlpGrpcAdmission
{
    /// <summary>The HTTP/2 path of <c>TraceService/Export</c>.</summary>
    public const string ExportPath = "/" + OtlpGrpcMethods.ServiceName + "/" + OtlpGrpcMethods.ExportMethod;

    // A gRPC message frame: a compressed flag byte and a four-byte big-endian length, then the message.
    private const int FrameHeaderBytes = 5;

    private static readonly object CallerKey = new();

    /// <summary>Reads, authenticates and, where needed, inflates the export; answers a refusal as a gRPC status and returns false.</summary>
    public static async Task<bool> AdmitAsync(HttpContext context, OtlpCallers callers, OtlpCounters counters)
    {
        try
        {
            // The message plus its frame header; a gzip message is at most a little larger than what it holds.
            var raw = await OtlpPayload.ReadRawAsync(context.Request, OtlpIngest.MaxRequestBytes + (64 * 1024), context.RequestAborted).ConfigureAwait(false);
            var caller = callers.Authenticate(context, raw);
            context.Items[CallerKey] = caller;
            context.Request.Body = new MemoryStream(Uncompressed(context.Request, raw), writable: false);
            return true;
        }
        catch (OtlpRequestException error)
        {
            counters.AddRefused(error.Refusal);
            WriteStatus(context.Response, error.RpcCode, error.Message);
            return false;
        }
    }

    /// <summary>The caller <see cref="AdmitAsync"/> admitted for this request, or null when it did not run.</summary>
    public static Caller? CallerOf(HttpContext context) => context.Items.TryGetValue(CallerKey, out var caller) ? caller as Caller : null;

    /// <summary>Answers the request with a gRPC status and no message (a trailers-only response).</summary>
    public static void WriteStatus(HttpResponse response, int code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    /// <summary>The body checked to be one whole message frame, a gzip-compressed one inflated (bounded) into an uncompressed one, so gRPC never inflates without a limit.</summary>
    /// <exception cref="OtlpRequestException">Not one whole frame (INVALID_ARGUMENT), or over 5 MB once inflated.</exception>
    private static byte[] Uncompressed(HttpRequest request, byte[] raw)
    {
        // Export is unary: exactly one message. gRPC itself would answer a truncated frame INTERNAL and refuse a second message.
        if (raw.Length < FrameHeaderBytes || BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(1)) != (uint)(raw.Length - FrameHeaderBytes) || raw[0] > 1)
        {
            throw OtlpRequestException.Malformed(string.Create(CultureInfo.InvariantCulture,
                $"The request body ({raw.Length} bytes) is not one whole gRPC message frame (a flag byte 0 or 1, a four-byte length, that many bytes)."));
        }

        if (raw[0] == 0)
        {
            return raw;
        }

        var encoding = request.Headers["grpc-encoding"].ToString().Trim();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw OtlpRequestException.Malformed("The message is flagged compressed but the request names no grpc-encoding.");
        }

        if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            // gRPC answers UNIMPLEMENTED, naming the encodings it takes.
            return raw;
        }

        var inflated = OtlpPayload.Inflate(new MemoryStream(raw, FrameHeaderBytes, raw.Length - FrameHeaderBytes, writable: false), raw.Length - FrameHeaderBytes);
        var output = new MemoryStream(FrameHeaderBytes + inflated.Length);
        WriteFrame(output, inflated);
        return output.ToArray();
    }

    private static void WriteFrame(MemoryStream output, ReadOnlySpan<byte> message)
    {
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)message.Length);
        output.Write(header);
        output.Write(message);
    }

    /// <summary>gRPC's percent-encoding of <c>grpc-message</c>: UTF-8, every byte outside printable ASCII and <c>%</c> as <c>%XX</c>.</summary>
    private static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return text.ToString();
    }
}
