using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>
/// Clients sending <c>PutTraceSegments</c> to one node in a loop, as the SDKs do (a refused batch is sent again), keeping every
/// segment the node acknowledged and every answer that was neither an acknowledgement nor a retryable refusal.
/// </summary>
internal sealed class AcknowledgedIngest : IAsyncDisposable
{
    private const int SegmentsPerRequest = 4;

    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _wrong = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _clients;
    private long _acknowledgedSegments;
    private long _refusals;

    private AcknowledgedIngest(TestServer server, int clients)
    {
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(() => SendAsync(server))).ToArray();
    }

    /// <summary>How many segments the node acknowledged so far (200, and not listed unprocessed).</summary>
    public long AcknowledgedSegments => Interlocked.Read(ref _acknowledgedSegments);

    /// <summary>How many requests the node refused with a retryable answer (503 or 429).</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>The answers that were neither an acknowledgement nor a retryable refusal (a 500, a reset connection, an unprocessed segment with a final code).</summary>
    public IReadOnlyCollection<string> Wrong => _wrong;

    /// <summary>Starts <paramref name="clients"/> clients sending to <paramref name="server"/>.</summary>
    public static AcknowledgedIngest Start(TestServer server, int clients) => new(server, clients);

    /// <summary>Every acknowledged document by trace id, for <c>AssertStoredAsSentAsync</c>.</summary>
    public Dictionary<string, List<string>> AcknowledgedByTrace() =>
        _acknowledged.ToDictionary(pair => pair.Key, pair => pair.Value.ToList(), StringComparer.Ordinal);

    /// <summary>Stops the clients after their request in flight is answered.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SendAsync(TestServer server)
    {
        using var http = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        List<(string TraceId, string SegmentId, string Document)>? batch = null;
        while (!_stop.IsCancellationRequested)
        {
            batch ??= NewBatch();
            var body = new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(batch.Select(s => (JsonNode)JsonValue.Create(s.Document)).ToArray()) };
            HttpResponseMessage answer;
            try
            {
                answer = await http.XRayAsync("/TraceSegments", SignedHttpClient.Json(body.ToJsonString()));
            }
            catch (HttpRequestException exception)
            {
                _wrong.Enqueue("no answer: " + exception.Message);
                await Task.Delay(200);
                continue;
            }

            using (answer)
            {
                var text = await answer.Content.ReadAsStringAsync();
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    var unprocessed = JsonNode.Parse(text)!["UnprocessedTraceSegments"]!.AsArray();
                    var refused = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var entry in unprocessed)
                    {
                        refused.Add(entry!["Id"]!.GetValue<string>());
                        _wrong.Enqueue("unprocessed: " + entry.ToJsonString());
                    }

                    foreach (var (traceId, segmentId, document) in batch.Where(s => !refused.Contains(s.SegmentId)))
                    {
                        _acknowledged.GetOrAdd(traceId, _ => []).Add(document);
                        Interlocked.Increment(ref _acknowledgedSegments);
                    }

                    batch = null;
                }
                else if (answer.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                {
                    // Retryable: the same batch goes again, as the SDKs send it.
                    Interlocked.Increment(ref _refusals);
                    await Task.Delay(200);
                }
                else
                {
                    _wrong.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{(int)answer.StatusCode}: {text}"));
                    await Task.Delay(200);
                }
            }

            await Task.Delay(20);
        }
    }

    private static List<(string TraceId, string SegmentId, string Document)> NewBatch()
    {
        var now = Now();
        var traceId = TraceId(now, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
        var batch = new List<(string, string, string)>(SegmentsPerRequest);
        for (var i = 0; i < SegmentsPerRequest; i++)
        {
            var segmentId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            batch.Add((traceId, segmentId, Segment(traceId, segmentId, "fault-" + i.ToString(CultureInfo.InvariantCulture), now - 1, now).ToJsonString()));
        }

        return batch;
    }
}
