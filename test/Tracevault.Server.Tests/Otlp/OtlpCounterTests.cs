using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Encryption;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>The OTLP counters: every way a span or an export is refused moves its own counter, over HTTP and gRPC, and the stop line shows them all.</summary>
public sealed class OtlpCounterTests
{
    private const string ReaderPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:BatchGetTraces","Resource":"*"}]}""";

    [Fact]
    public async Task EachRefusal_MovesItsOwnCounter_OverHttpAndGrpc_AndTheStopLineShowsThemAll()
    {
        var server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Grpc = [new IPEndPoint(IPAddress.Loopback, 0)];
            options.Otlp.GrpcIsDefault = false;
        });
        OtlpCounts counts;
        try
        {
            var counters = server.Server.Services.GetRequiredService<OtlpCounters>();
            var url = server.Endpoint + OtlpHttpEndpoint.TracesPath;
            var grpcEndpoint = server.Server.Otlp.Grpc[0];
            using var http = new HttpClient();
            using var grpc = OtlpGrpcWire.Client();
            var now = DateTimeOffset.UtcNow;
            var traceId = OtlpSpans.XRayStyleTraceId(now);
            byte[] Mixed() => OtlpSpans.Request("counted",
                OtlpSpans.Span(traceId, now, "good"),
                OtlpSpans.Span(traceId, now - TimeSpan.FromDays(15), "old"),
                OtlpSpans.Span(traceId, now, "big", s => s.Attributes.Add(OtlpSpans.Attribute("blob", new string('x', 201 * 1024))))).ToByteArray();

            async Task PostAsync(byte[] body, int status, string contentType = "application/x-protobuf", string? encoding = null)
            {
                using var response = await http.SendAsync(OtlpSpans.Post(url, body, contentType, encoding));
                Assert.Equal(status, (int)response.StatusCode);
            }

            async Task GrpcAsync(byte[] body, int status, string? encoding = null)
            {
                var answer = await OtlpGrpcWire.ExportAsync(grpc, grpcEndpoint, body, encoding);
                Assert.True(status == answer.GrpcStatus, $"HTTP {answer.HttpStatus}, gRPC {answer.GrpcStatus} {answer.GrpcMessage} {System.Text.Encoding.UTF8.GetString(answer.Body)}");
            }

            var spansOk = (Func<OtlpCounts, OtlpCounts>)(c => c with { Received = c.Received + 3, Stored = c.Stored + 1, RejectedInvalid = c.RejectedInvalid + 1, RejectedTooLarge = c.RejectedTooLarge + 1 });
            await AssertMovesAsync(counters, spansOk, () => PostAsync(Mixed(), 200));
            await AssertMovesAsync(counters, spansOk, () => GrpcAsync(OtlpGrpcWire.Frame(Mixed()), 0));

            byte[] broken = [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01];
            var malformed = (Func<OtlpCounts, OtlpCounts>)(c => c with { RequestsMalformed = c.RequestsMalformed + 1 });
            await AssertMovesAsync(counters, malformed, () => PostAsync(broken, 400));
            await AssertMovesAsync(counters, malformed, () => PostAsync([1, 2, 3], 415, "text/plain"));
            await AssertMovesAsync(counters, malformed, () => GrpcAsync(OtlpGrpcWire.Frame(broken), OtlpRequestException.InvalidArgument));

            var overLimit = (Func<OtlpCounts, OtlpCounts>)(c => c with { RequestsOverLimit = c.RequestsOverLimit + 1 });
            var tooMany = OtlpSpans.Request("many", [.. Enumerable.Range(0, OtlpIngest.MaxSpansPerRequest + 1).Select(_ => OtlpSpans.Span(traceId, now))]).ToByteArray();
            await AssertMovesAsync(counters, overLimit, () => PostAsync(tooMany, 400));
            await AssertMovesAsync(counters, overLimit, () => GrpcAsync(OtlpGrpcWire.Frame(tooMany), OtlpRequestException.InvalidArgument));
            var bomb = GzipOfZeros(64 * 1024 * 1024);
            await AssertMovesAsync(counters, overLimit, () => PostAsync(bomb, 400, encoding: "gzip"));
            await AssertMovesAsync(counters, overLimit, () => GrpcAsync(OtlpGrpcWire.Frame(bomb, compressed: true), OtlpRequestException.InvalidArgument, "gzip"));

            var good = OtlpSpans.Request("signed", OtlpSpans.Span(OtlpSpans.XRayStyleTraceId(now), now)).ToByteArray();
            using (var admin = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret))
            {
                await AssertMovesAsync(counters, c => c with { RequestsUnauthenticated = c.RequestsUnauthenticated + 1 }, async () =>
                {
                    using var response = await admin.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", good, "application/x-protobuf", [], null, r =>
                    {
                        r.Content = new ByteArrayContent([.. good, 0]);
                        r.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
                    });
                    Assert.Equal(403, (int)response.StatusCode);
                });
            }

            var reader = server.CreateUser("counted-reader", ReaderPolicy);
            using (var signedByReader = new SignedHttpClient(server.Endpoint, reader.AccessKeyId, reader.SecretAccessKey))
            {
                await AssertMovesAsync(counters, c => c with { RequestsPermissionDenied = c.RequestsPermissionDenied + 1 }, async () =>
                {
                    using var response = await signedByReader.SendAsync(OtlpHttpEndpoint.TracesPath, "xray", good, "application/x-protobuf", [], null, null);
                    Assert.Equal(403, (int)response.StatusCode);
                });
            }

            using (var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret))
            {
                var keyArn = await EncryptionSettingsTests.CreateKeyAsync(client);
                await EncryptionSettingsTests.PutKmsSettingAsync(client, keyArn);
                await EncryptionSettingsTests.WaitForActiveAsync(client);
                using (var disable = await client.KmsAsync("DisableKey", SignedHttpClient.Json($$"""{"KeyId":"{{keyArn}}"}""")))
                {
                    await TraceDocuments.ReadJsonAsync(disable);
                }

                var two = OtlpSpans.Request("stopped", OtlpSpans.Span(traceId, now), OtlpSpans.Span(traceId, now)).ToByteArray();
                var stopped = (Func<OtlpCounts, OtlpCounts>)(c => c with { Received = c.Received + 2, RejectedStoringStopped = c.RejectedStoringStopped + 2 });
                await AssertMovesAsync(counters, stopped, () => PostAsync(two, 200));
                await AssertMovesAsync(counters, stopped, () => GrpcAsync(OtlpGrpcWire.Frame(two), 0));
            }

            counts = counters.Snapshot();
            Assert.Equal(counts.Received, counts.Stored + counts.RejectedInvalid + counts.RejectedTooLarge + counts.RejectedStoringStopped + counts.RejectedStorageFull + counts.RejectedUnavailable);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var stopLine = Assert.Single(server.Logs.Lines, line => line.Contains("OTLP totals at stop", StringComparison.Ordinal));
        Assert.Contains(
            $"received {counts.Received} spans; stored {counts.Stored}; rejected {counts.RejectedInvalid} (invalid), {counts.RejectedTooLarge} (over 200 KB), "
            + $"{counts.RejectedStoringStopped} (storing stopped), {counts.RejectedStorageFull} (disk full, retry asked), {counts.RejectedUnavailable} (store unavailable, retry asked); "
            + $"exports refused whole: {counts.RequestsMalformed} (malformed), {counts.RequestsOverLimit} (over a request limit), {counts.RequestsUnauthenticated} (unauthenticated), "
            + $"{counts.RequestsPermissionDenied} (permission denied), {counts.RequestsFailed} (failed)",
            stopLine,
            StringComparison.Ordinal);
        Assert.Equal(new OtlpCounts(10, 2, 2, 2, 4, 0, 0, 3, 4, 1, 1, 0), counts);
    }

    /// <summary>Asserts that <paramref name="action"/> changes the counters exactly as <paramref name="expected"/> says, and nothing else.</summary>
    private static async Task AssertMovesAsync(OtlpCounters counters, Func<OtlpCounts, OtlpCounts> expected, Func<Task> action)
    {
        var before = counters.Snapshot();
        await action();
        Assert.Equal(expected(before), counters.Snapshot());
    }

    /// <summary>gzip of <paramref name="bytes"/> zeros: a decompression bomb.</summary>
    internal static byte[] GzipOfZeros(int bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var written = 0; written < bytes; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }
}
