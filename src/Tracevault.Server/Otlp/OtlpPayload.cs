using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Otlp;

/// <summary>Reads an OTLP/HTTP request body: bounded before it is inflated, gzip or none, protobuf or OTLP/JSON.</summary>
internal static class OtlpPayload
{
    // Bodies larger than the limit are read and thrown away up to this size, so the client sees the answer instead of a reset.
    private const long DrainLimitBytes = 64L * 1024 * 1024;

    // A gzip body is at most a little larger than what it holds.
    private const int MaxRawBytes = OtlpIngest.MaxRequestBytes + 64 * 1024;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Reads the body as sent (compressed or not), refusing one over the limits without keeping more than the limit.</summary>
    public static Task<byte[]> ReadRawAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadRawAsync(request, IsGzip(request) ? MaxRawBytes : OtlpIngest.MaxRequestBytes, cancellationToken);

    /// <summary>Reads the body as sent, refusing one longer than <paramref name="limit"/> bytes without keeping more than the limit.</summary>
    public static async Task<byte[]> ReadRawAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            await DrainAsync(request.Body, cancellationToken).ConfigureAwait(false);
            throw TooLarge(string.Create(CultureInfo.InvariantCulture, $"{declared} bytes"));
        }

        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                await DrainAsync(request.Body, cancellationToken).ConfigureAwait(false);
                throw TooLarge("more than the limit");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Whether the body is gzip-compressed; throws for an encoding OTLP does not use.</summary>
    public static bool IsGzip(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        throw new OtlpRequestException(415, OtlpRequestException.InvalidArgument, $"Content-Encoding '{encoding}' is not supported: send gzip or no encoding.");
    }

    /// <summary>Inflates a gzip body, stopping as soon as it holds more than the uncompressed limit (a decompression bomb is never inflated in full).</summary>
    public static byte[] Inflate(byte[] raw) => Inflate(new MemoryStream(raw, writable: false), raw.Length);

    /// <summary>Inflates a gzip stream of <paramref name="length"/> bytes, stopping as soon as it holds more than the uncompressed limit.</summary>
    public static byte[] Inflate(Stream compressed, int length)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        var output = new MemoryStream((int)Math.Min(length * 4L, OtlpIngest.MaxRequestBytes));
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                if (output.Length + read > OtlpIngest.MaxRequestBytes)
                {
                    throw TooLarge("more than the limit once inflated");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException exception)
        {
            throw OtlpRequestException.Malformed($"The body is not valid gzip: {exception.Message}");
        }

        return output.ToArray();
    }

    /// <summary>Decodes a protobuf <c>ExportTraceServiceRequest</c>.</summary>
    public static ExportTraceServiceRequest ParseProtobuf(byte[] body)
    {
        try
        {
            return ExportTraceServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw OtlpRequestException.Malformed($"The body is not a protobuf ExportTraceServiceRequest: {exception.Message}");
        }
    }

    /// <summary>Decodes an OTLP/JSON <c>ExportTraceServiceRequest</c>: ids in hex (not base64), enums as integers, 64-bit numbers as strings or numbers.</summary>
    public static ExportTraceServiceRequest ParseJson(byte[] body)
    {
        string json;
        try
        {
            json = HexIdsToBase64(body);
        }
        catch (JsonException exception)
        {
            throw OtlpRequestException.Malformed($"The body is not valid JSON: {exception.Message}");
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // The reader refuses to decode a string that is not UTF-8, or whose escapes are not UTF-16 (a lone surrogate).
            throw OtlpRequestException.Malformed("The body is not valid JSON: a string in it is not valid UTF-8, or has an escape that is not valid UTF-16 (an unpaired surrogate).");
        }

        try
        {
            return Parser.Parse<ExportTraceServiceRequest>(json);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw OtlpRequestException.Malformed($"The body is not an OTLP/JSON ExportTraceServiceRequest: {exception.Message}");
        }
    }

    /// <summary>Rewrites the hex trace and span ids of OTLP/JSON into the base64 that protobuf's JSON mapping reads.</summary>
    private static string HexIdsToBase64(byte[] body)
    {
        var output = new ArrayBufferWriter<byte>(body.Length + 256);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, MaxDepth = 64 }))
        {
            var idBytes = 0;
            string? idName = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        idName = reader.GetString()!;
                        idBytes = idName switch
                        {
                            "traceId" or "trace_id" => 16,
                            "spanId" or "span_id" or "parentSpanId" or "parent_span_id" => 8,
                            _ => 0,
                        };
                        writer.WritePropertyName(idName);
                        continue;
                    case JsonTokenType.String when idBytes > 0:
                        writer.WriteStringValue(Convert.ToBase64String(HexId(reader.GetString()!, idBytes, idName!)));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                }

                idBytes = 0;
            }
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static byte[] HexId(string text, int bytes, string name)
    {
        if (text.Length == 0)
        {
            return [];
        }

        if (text.Length != bytes * 2 || !text.All(char.IsAsciiHexDigit))
        {
            throw OtlpRequestException.Malformed(string.Create(CultureInfo.InvariantCulture,
                $"{name} must be {bytes * 2} hex digits in OTLP/JSON (not base64), got {text.Length} characters."));
        }

        return Convert.FromHexString(text);
    }

    private static OtlpRequestException TooLarge(string size) =>
        OtlpRequestException.OverLimit($"The request body is {size}; at most {OtlpIngest.MaxRequestBytes} bytes (5 MB) uncompressed are accepted.");

    private static async Task DrainAsync(Stream body, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        long total = 0;
        int read;
        while (total < DrainLimitBytes && (read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }
    }
}
