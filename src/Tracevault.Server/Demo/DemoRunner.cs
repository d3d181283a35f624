using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Demo;

/// <summary>
/// <c>tracevault demo</c>: sends <see cref="DemoWorkload"/> traces to a Tracevault on this machine, a batch a second, until cancelled:
/// the front end's segments over UDP (the X-Ray daemon protocol), the back ends' spans over OTLP/HTTP to <c>/v1/traces</c>, both
/// unsigned, as SDKs on the server's machine send them. Prints one line a second of what it sent.
/// </summary>
public sealed class DemoRunner(Uri endpoint, int rate, TextWriter output, TimeProvider time)
{
    private static readonly byte[] UdpHeader = "{\"format\":\"json\",\"version\":1}\n"u8.ToArray();

    /// <summary>The endpoint the demo sends to when none is given: the server's default address.</summary>
    public const string DefaultEndpoint = "http://127.0.0.1:2000";

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (Ctrl-C, SIGTERM): exit code 0, or 1 when the server cannot be reached or refuses.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var workload = new DemoWorkload(time);
        using var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        IPEndPoint udpTarget;
        try
        {
            udpTarget = new IPEndPoint(await ResolveAsync(endpoint.Host, cancellationToken).ConfigureAwait(false), endpoint.Port);
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or SocketException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync($"Cannot reach Tracevault at {endpoint}: {exception.Message} (start it with 'tracevault serve', or give --endpoint).").ConfigureAwait(false);
            return 1;
        }

        using var udp = new Socket(udpTarget.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Sending a demo shop's traces to {endpoint}, {rate} a second: {DemoWorkload.FrontEnd} as the X-Ray SDK sends them (UDP {udpTarget}), "
            + $"{string.Join(", ", DemoWorkload.OtlpServices.Select(s => s.Name))} as OpenTelemetry SDKs do (OTLP/HTTP {new Uri(endpoint, Otlp.OtlpHttpEndpoint.TracesPath)}). Ctrl-C stops it.")).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        long traces = 0;
        PeriodicTimer? timer = null;
        try
        {
            do
            {
                var batch = Enumerable.Range(0, rate).Select(_ => workload.Next()).ToList();
                foreach (var trace in batch)
                {
                    await udp.SendToAsync(Datagram(trace.FrontEndDocument), SocketFlags.None, udpTarget, cancellationToken).ConfigureAwait(false);
                }

                var (sent, problem) = await ExportAsync(http, batch, cancellationToken).ConfigureAwait(false);
                if (problem is { Fatal: true })
                {
                    await output.WriteLineAsync(problem.Message).ConfigureAwait(false);
                    return 1;
                }

                traces += batch.Count;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{time.GetUtcNow():HH:mm:ss} sent {batch.Count} traces: {batch.Count} X-Ray segments over UDP, {sent} OpenTelemetry spans over OTLP; "
                    + $"{batch.Count(t => t.Fault)} fault, {batch.Count(t => t.Error)} error, {batch.Count(t => t.Throttle)} throttled, {batch.Count(t => t.Slow)} slow; "
                    + $"{traces:N0} traces in all{(problem is null ? "" : "; " + problem.Message)}")).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);

                // Started after the first batch (which waits for the JIT), so that no two lines come within a second.
                timer ??= new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the normal way to stop.
        }
        finally
        {
            timer?.Dispose();
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Stopped: {traces:N0} traces sent.")).ConfigureAwait(false);
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return address;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
    }

    private static byte[] Datagram(string document)
    {
        var body = Encoding.UTF8.GetBytes(document);
        var datagram = new byte[UdpHeader.Length + body.Length];
        UdpHeader.CopyTo(datagram, 0);
        body.CopyTo(datagram, UdpHeader.Length);
        return datagram;
    }

    /// <summary>Sends the batch's spans in one OTLP request, a resource per service; returns how many were accepted and what went wrong, if anything.</summary>
    private static async Task<(int Sent, Problem? Problem)> ExportAsync(HttpClient http, List<DemoTrace> batch, CancellationToken cancellationToken)
    {
        var request = new ExportTraceServiceRequest();
        var total = 0;
        foreach (var (name, language, version) in DemoWorkload.OtlpServices)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tracevault-demo", Version = "1.0" } };
            foreach (var trace in batch)
            {
                if (trace.Spans.TryGetValue(name, out var spans))
                {
                    scope.Spans.AddRange(spans);
                }
            }

            if (scope.Spans.Count == 0)
            {
                continue;
            }

            total += scope.Spans.Count;
            var resource = new Resource();
            resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = name } });
            resource.Attributes.Add(new KeyValue { Key = "service.version", Value = new AnyValue { StringValue = version } });
            resource.Attributes.Add(new KeyValue { Key = "deployment.environment.name", Value = new AnyValue { StringValue = "demo" } });
            resource.Attributes.Add(new KeyValue { Key = "telemetry.sdk.name", Value = new AnyValue { StringValue = "opentelemetry" } });
            resource.Attributes.Add(new KeyValue { Key = "telemetry.sdk.language", Value = new AnyValue { StringValue = language } });
            var resourceSpans = new ResourceSpans { Resource = resource };
            resourceSpans.ScopeSpans.Add(scope);
            request.ResourceSpans.Add(resourceSpans);
        }

        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        try
        {
            using var response = await http.PostAsync(new Uri(Otlp.OtlpHttpEndpoint.TracesPath, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return (0, new Problem(true, $"Tracevault at {http.BaseAddress} refused unsigned OTLP (HTTP {(int)response.StatusCode}): it takes unsigned spans and UDP segments from its own machine only, so run the demo there."));
            }

            if (!response.IsSuccessStatusCode)
            {
                return (0, new Problem(false, $"OTLP export answered HTTP {(int)response.StatusCode}; trying again in a second"));
            }

            var rejected = ExportTraceServiceResponse.Parser.ParseFrom(body).PartialSuccess is { RejectedSpans: > 0 } partial ? partial : null;
            return rejected is null
                ? (total, null)
                : (total - (int)rejected.RejectedSpans, new Problem(false, $"{rejected.RejectedSpans} spans rejected: {rejected.ErrorMessage}"));
        }
        catch (HttpRequestException exception)
        {
            return (0, new Problem(false, $"OTLP export failed ({exception.Message}); trying again in a second"));
        }
    }

    private sealed record Problem(bool Fatal, string Message);
}
