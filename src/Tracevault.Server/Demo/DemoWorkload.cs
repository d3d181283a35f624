using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Demo;

/// <summary>
/// Makes the demo's traces: a shop whose X-Ray-SDK front end (web-frontend) calls OpenTelemetry back ends (catalog-api, orders-api,
/// payments, order-worker) that use PostgreSQL, a Redis cache, an SQS queue and outside services, with faults, errors, throttles,
/// slow queries and annotations (customer tier, region).
/// </summary>
public sealed class DemoWorkload(TimeProvider time)
{
    /// <summary>The services that send spans over OTLP, each with its SDK's language.</summary>
    public static readonly IReadOnlyList<(string Name, string Language, string Version)> OtlpServices =
    [
        ("catalog-api", "go", "1.8.2"),
        ("orders-api", "java", "3.2.0"),
        ("payments", "python", "0.9.7"),
        ("order-worker", "java", "3.2.0"),
    ];

    /// <summary>The front end's name: it sends X-Ray segments over UDP, as the X-Ray SDKs do.</summary>
    public const string FrontEnd = "web-frontend";

    private static readonly string[] Tiers = ["gold", "silver", "silver", "bronze", "bronze", "bronze"];
    private static readonly string[] Regions = ["us-east-1", "us-east-1", "eu-west-1", "ap-southeast-2"];
    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "ShopApp/4.2 (Android 15)",
    ];

    /// <summary>One trace: its front-end segment document and the back ends' spans by service name.</summary>
    public DemoTrace Next()
    {
        var trace = new Builder(time.GetUtcNow());
        var pick = RandomNumberGenerator.GetInt32(100);
        if (pick < 40)
        {
            trace.Product();
        }
        else if (pick < 75)
        {
            trace.Checkout();
        }
        else
        {
            trace.OrderStatus();
        }

        return trace.Build();
    }

    private static bool Chance(int percent) => RandomNumberGenerator.GetInt32(100) < percent;

    private static double Between(double low, double high) => low + (RandomNumberGenerator.GetInt32(1_000_000) / 1_000_000.0 * (high - low));

    private static T OneOf<T>(IReadOnlyList<T> items) => items[RandomNumberGenerator.GetInt32(items.Count)];

    private static string HexId(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>The outcome drawn for a trace: at most one of fault (5 %), error (3 %) or throttle (2 %).</summary>
    private enum Outcome
    {
        Ok,
        Fault,
        Error,
        Throttle,
    }

    /// <summary>Builds one trace on a relative clock (milliseconds from its start), dated so that it ended just now.</summary>
    private sealed class Builder
    {
        private readonly DateTimeOffset _now;
        private readonly byte[] _traceId;
        private readonly string _tier = OneOf(Tiers);
        private readonly string _region = OneOf(Regions);
        private readonly string _customer = "customer-" + RandomNumberGenerator.GetInt32(1000, 10000).ToString(CultureInfo.InvariantCulture);
        private readonly Outcome _outcome;
        private readonly List<(string Service, Span Span)> _spans = [];
        private JsonObject _frontEnd = null!;
        private bool _slow;
        private double _end;

        public Builder(DateTimeOffset now)
        {
            _now = now;
            _traceId = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_traceId, (uint)now.ToUnixTimeSeconds());
            RandomNumberGenerator.Fill(_traceId.AsSpan(4));
            var draw = RandomNumberGenerator.GetInt32(100);
            _outcome = draw < 5 ? Outcome.Fault : draw < 8 ? Outcome.Error : draw < 10 ? Outcome.Throttle : Outcome.Ok;
        }

        private string XRayTraceId
        {
            get
            {
                var hex = Convert.ToHexStringLower(_traceId);
                return $"1-{hex[..8]}-{hex[8..]}";
            }
        }

        /// <summary>GET /products/{id}: web-frontend → catalog-api → the Redis cache, and PostgreSQL on a miss.</summary>
        public void Product()
        {
            var product = RandomNumberGenerator.GetInt32(100, 1000).ToString(CultureInfo.InvariantCulture);
            var status = _outcome switch { Outcome.Fault => 503, Outcome.Error => 404, Outcome.Throttle => 429, _ => 200 };
            var call = FrontEndSegment("GET", $"/products/{product}", status, out var callStart);
            var server = Server("catalog-api", callStart + 1, "GET /products/{id}", "GET", $"/products/{product}", status, call);
            var at = server.Start + Between(0.3, 1);
            if (_outcome != Outcome.Throttle)
            {
                at = Client("catalog-api", server, at, Between(0.3, 2), "GET", "catalog-cache", s =>
                {
                    s.Attributes.Add(Text("db.system", "redis"));
                    s.Attributes.Add(Text("db.statement", "GET product:?"));
                    s.Attributes.Add(Text("server.address", "catalog-cache"));
                });
                if (_outcome != Outcome.Ok || Chance(30))
                {
                    at = Query("catalog-api", server, at, "catalog", "catalog-db.internal", "SELECT products", "SELECT id, name, price, stock FROM products WHERE id = $1", _outcome == Outcome.Fault);
                }
            }

            Finish(server, at + Between(0.5, 3), frontEndCall: true);
        }

        /// <summary>POST /checkout: web-frontend → orders-api → PostgreSQL, payments (→ card-network) and the order-events queue → order-worker.</summary>
        public void Checkout()
        {
            var status = _outcome switch { Outcome.Fault => 502, Outcome.Error => 402, Outcome.Throttle => 429, _ => 201 };
            var call = FrontEndSegment("POST", "/checkout", status, out var callStart);
            var server = Server("orders-api", callStart + 1, "POST /orders", "POST", "/orders", status, call);
            var at = server.Start + Between(0.5, 2);
            if (_outcome != Outcome.Throttle)
            {
                at = Query("orders-api", server, at, "orders", "orders-db.internal", "INSERT orders", "INSERT INTO orders (customer_id, items, total) VALUES ($1, $2, $3) RETURNING id", false);
                var paymentStatus = _outcome switch { Outcome.Fault => 500, Outcome.Error => 402, _ => 200 };
                var paymentCall = Client("orders-api", server, at, 0, "POST", "payments", s =>
                {
                    s.Attributes.Add(Text("peer.service", "payments"));
                    s.Attributes.Add(Text("http.request.method", "POST"));
                    s.Attributes.Add(Text("url.full", "http://payments.internal:8000/charges"));
                    s.Attributes.Add(Number("http.response.status_code", paymentStatus));
                });
                var callSpan = _spans[^1].Span;
                var payments = Server("payments", at + 0.8, "POST /charges", "POST", "/charges", paymentStatus, callSpan.SpanId);
                var paid = Client("payments", payments, payments.Start + Between(0.5, 1.5), _outcome == Outcome.Fault ? Between(2900, 3100) : Between(40, 220), "POST", "card-network", s =>
                {
                    s.Attributes.Add(Text("peer.service", "card-network"));
                    s.Attributes.Add(Text("http.request.method", "POST"));
                    s.Attributes.Add(Text("url.full", "https://api.card-network.example/v2/authorizations"));
                    if (_outcome != Outcome.Fault)
                    {
                        s.Attributes.Add(Number("http.response.status_code", _outcome == Outcome.Error ? 402 : 200));
                    }
                });
                if (_outcome == Outcome.Fault)
                {
                    Raise(payments, "PaymentGatewayTimeoutException", "card-network did not answer within 3 s");
                }

                Finish(payments, paid + Between(0.5, 2), frontEndCall: false);
                End(callSpan, payments.End + 0.5);
                at = payments.End + 0.6;
                if (_outcome == Outcome.Ok)
                {
                    var producer = Message(server, at);
                    at = producer.End;
                    Worker(producer);
                }
            }

            Finish(server, at + Between(0.3, 2), frontEndCall: true);
        }

        /// <summary>GET /orders/{id}: web-frontend → orders-api → PostgreSQL.</summary>
        public void OrderStatus()
        {
            var order = RandomNumberGenerator.GetInt32(10_000, 100_000).ToString(CultureInfo.InvariantCulture);
            var status = _outcome switch { Outcome.Fault => 500, Outcome.Error => 404, Outcome.Throttle => 429, _ => 200 };
            var call = FrontEndSegment("GET", $"/orders/{order}", status, out var callStart);
            var server = Server("orders-api", callStart + 1, "GET /orders/{id}", "GET", $"/orders/{order}", status, call);
            var at = server.Start + Between(0.3, 1);
            if (_outcome != Outcome.Throttle)
            {
                at = Query("orders-api", server, at, "orders", "orders-db.internal", "SELECT orders", "SELECT id, status, total FROM orders WHERE id = $1 AND customer_id = $2", _outcome == Outcome.Fault);
            }

            Finish(server, at + Between(0.3, 1.5), frontEndCall: true);
        }

        public DemoTrace Build()
        {
            // Every time so far is relative to the front end's start: date the trace so that its last span ended just now.
            var shift = (_now.ToUnixTimeMilliseconds() / 1000.0) - (_end / 1000.0);
            _frontEnd["start_time"] = Math.Round(shift + (_frontEnd["start_time"]!.GetValue<double>() / 1000.0), 6);
            _frontEnd["end_time"] = Math.Round(shift + (_frontEnd["end_time"]!.GetValue<double>() / 1000.0), 6);
            foreach (var sub in _frontEnd["subsegments"]!.AsArray())
            {
                sub!["start_time"] = Math.Round(shift + (sub["start_time"]!.GetValue<double>() / 1000.0), 6);
                sub["end_time"] = Math.Round(shift + (sub["end_time"]!.GetValue<double>() / 1000.0), 6);
            }

            var nanos = (ulong)(shift * 1e9);
            var spans = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
            foreach (var (service, span) in _spans)
            {
                span.StartTimeUnixNano += nanos;
                span.EndTimeUnixNano += nanos;
                foreach (var spanEvent in span.Events)
                {
                    spanEvent.TimeUnixNano += nanos;
                }

                if (!spans.TryGetValue(service, out var list))
                {
                    spans[service] = list = [];
                }

                list.Add(span);
            }

            return new DemoTrace(XRayTraceId, _frontEnd.ToJsonString(), spans, _outcome == Outcome.Fault, _outcome == Outcome.Error, _outcome == Outcome.Throttle, _slow);
        }

        /// <summary>The front end's segment (its call subsegment to the back end last); returns the call's id, and when it starts.</summary>
        private ByteString FrontEndSegment(string method, string path, int status, out double callStart)
        {
            var callId = HexId(8);
            callStart = Between(1, 4);
            var route = method + " " + (path.StartsWith("/products", StringComparison.Ordinal) ? "/products/{id}" : path.StartsWith("/orders", StringComparison.Ordinal) ? "/orders/{id}" : path);
            _frontEnd = new JsonObject
            {
                ["trace_id"] = XRayTraceId,
                ["id"] = HexId(8),
                ["name"] = FrontEnd,
                ["origin"] = "AWS::EC2::Instance",
                ["start_time"] = 0.0,
                ["end_time"] = 0.0,
                ["http"] = new JsonObject
                {
                    ["request"] = new JsonObject
                    {
                        ["method"] = method,
                        ["url"] = "https://shop.example.com" + path,
                        ["client_ip"] = $"203.0.113.{RandomNumberGenerator.GetInt32(1, 255)}",
                        ["user_agent"] = OneOf(Agents),
                        ["x_forwarded_for"] = true,
                    },
                    ["response"] = new JsonObject { ["status"] = FrontEndStatus(status) },
                },
                ["aws"] = new JsonObject
                {
                    ["ec2"] = new JsonObject { ["instance_id"] = "i-0" + HexId(8)[..16], ["availability_zone"] = _region + "a" },
                    ["xray"] = new JsonObject { ["sdk"] = "X-Ray for Node.js", ["sdk_version"] = "3.10.3", ["package"] = "aws-xray-sdk" },
                },
                ["service"] = new JsonObject { ["version"] = "2.14.0" },
                ["user"] = _customer,
                ["annotations"] = new JsonObject { ["customer_tier"] = _tier, ["region"] = _region, ["route"] = route },
                ["metadata"] = new JsonObject { ["default"] = new JsonObject { ["session"] = HexId(6), ["ab_test"] = OneOf(["control", "new-checkout"]) } },
                ["subsegments"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["id"] = callId,
                        ["name"] = path.StartsWith("/products", StringComparison.Ordinal) ? "catalog-api" : "orders-api",
                        ["namespace"] = "remote",
                        ["start_time"] = callStart,
                        ["end_time"] = callStart,
                        ["http"] = new JsonObject
                        {
                            ["request"] = new JsonObject { ["method"] = method, ["url"] = (path.StartsWith("/products", StringComparison.Ordinal) ? "http://catalog-api.internal:8080" : "http://orders-api.internal:8080") + path.Replace("/checkout", "/orders", StringComparison.Ordinal), ["traced"] = true },
                            ["response"] = new JsonObject { ["status"] = status },
                        },
                    },
                },
            };
            Outcomes(_frontEnd["subsegments"]![0]!.AsObject(), status, remote: true);
            Outcomes(_frontEnd, FrontEndStatus(status), remote: false);
            return ByteString.CopyFrom(Convert.FromHexString(callId));
        }

        /// <summary>A back end answering 502 makes the front end answer 502; 402 and 404 pass through; 429 too (the front end does not retry).</summary>
        private static int FrontEndStatus(int backEnd) => backEnd >= 500 ? 502 : backEnd;

        private static void Outcomes(JsonObject document, int status, bool remote)
        {
            if (status >= 500)
            {
                document["fault"] = true;
                document["cause"] = new JsonObject
                {
                    ["working_directory"] = "/srv/web-frontend",
                    ["exceptions"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["id"] = HexId(8),
                            ["message"] = remote ? $"Request failed with status code {status}" : "Upstream service failed",
                            ["type"] = remote ? "AxiosError" : "BadGatewayError",
                            ["remote"] = remote,
                        },
                    },
                };
            }
            else if (status == 429)
            {
                document["error"] = true;
                document["throttle"] = true;
            }
            else if (status >= 400)
            {
                document["error"] = true;
            }
        }

        /// <summary>A server span of <paramref name="service"/> under <paramref name="parent"/>.</summary>
        private Timed Server(string service, double start, string name, string method, string path, int status, ByteString parent)
        {
            var span = NewSpan(service, name, Span.Types.SpanKind.Server, parent, start);
            span.Attributes.Add(Text("http.request.method", method));
            span.Attributes.Add(Text("url.path", path));
            span.Attributes.Add(Text("url.scheme", "http"));
            span.Attributes.Add(Text("server.address", service + ".internal"));
            span.Attributes.Add(Number("server.port", service == "payments" ? 8000 : 8080));
            span.Attributes.Add(Text("http.route", name[(name.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
            span.Attributes.Add(Number("http.response.status_code", status));
            span.Attributes.Add(Text("customer.tier", _tier));
            span.Attributes.Add(Text("cloud.region", _region));
            if (status >= 500)
            {
                span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = $"HTTP {status}" };
            }

            return new Timed(span, start);
        }

        /// <summary>A client span of <paramref name="service"/> under <paramref name="parent"/>, lasting <paramref name="duration"/> ms; returns when it ends.</summary>
        private double Client(string service, Timed parent, double start, double duration, string name, string peer, Action<Span> describe)
        {
            var span = NewSpan(service, name + " " + peer, Span.Types.SpanKind.Client, parent.Span.SpanId, start);
            describe(span);
            span.EndTimeUnixNano = (ulong)((start + duration) * 1_000_000);
            return start + duration;
        }

        /// <summary>A PostgreSQL query: slow in 5 % of traces, failing (connection reset) when <paramref name="fails"/>.</summary>
        private double Query(string service, Timed parent, double start, string database, string host, string name, string statement, bool fails)
        {
            var slow = Chance(5);
            _slow |= slow;
            var duration = fails ? Between(1000, 1200) : slow ? Between(800, 2500) : Between(1.5, 12);
            var end = Client(service, parent, start, duration, name, database, s =>
            {
                s.Attributes.Add(Text("db.system", "postgresql"));
                s.Attributes.Add(Text("db.name", database));
                s.Attributes.Add(Text("db.user", database + "_app"));
                s.Attributes.Add(Text("db.statement", statement));
                s.Attributes.Add(Text("server.address", host));
                s.Attributes.Add(Number("server.port", 5432));
            });
            if (fails)
            {
                var span = _spans[^1].Span;
                span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "connection reset by peer" };
                AddException(span, "Npgsql.NpgsqlException", "Exception while reading from stream: connection reset by peer", end);
                Raise(parent, "Npgsql.NpgsqlException", "Exception while reading from stream: connection reset by peer");
            }

            return end;
        }

        /// <summary>orders-api sends an order-placed message to SQS.</summary>
        private (Span Span, double End) Message(Timed parent, double start)
        {
            var span = NewSpan("orders-api", "order-events publish", Span.Types.SpanKind.Producer, parent.Span.SpanId, start);
            span.Attributes.Add(Text("rpc.system", "aws-api"));
            span.Attributes.Add(Text("rpc.service", "SQS"));
            span.Attributes.Add(Text("rpc.method", "SendMessage"));
            span.Attributes.Add(Text("aws.region", _region));
            span.Attributes.Add(Text("aws.queue_url", $"https://sqs.{_region}.amazonaws.com/123456789012/order-events"));
            span.Attributes.Add(Text("aws.request_id", HexId(16)));
            span.Attributes.Add(Text("messaging.system", "aws_sqs"));
            span.Attributes.Add(Text("messaging.destination.name", "order-events"));
            span.Attributes.Add(Number("http.response.status_code", 200));
            var end = start + Between(8, 25);
            span.EndTimeUnixNano = (ulong)(end * 1_000_000);
            return (span, end);
        }

        /// <summary>order-worker takes the message off the queue, updates the order and sends a confirmation e-mail.</summary>
        private void Worker((Span Span, double End) message)
        {
            var consume = NewSpan("order-worker", "order-events process", Span.Types.SpanKind.Consumer, message.Span.SpanId, message.End + Between(5, 60));
            consume.Attributes.Add(Text("messaging.system", "aws_sqs"));
            consume.Attributes.Add(Text("messaging.operation", "process"));
            consume.Attributes.Add(Text("messaging.destination.name", "order-events"));
            consume.Attributes.Add(Text("customer.tier", _tier));
            consume.Attributes.Add(Text("cloud.region", _region));
            var worker = new Timed(consume, consume.StartTimeUnixNano / 1_000_000.0);
            var at = Query("order-worker", worker, worker.Start + Between(0.5, 2), "orders", "orders-db.internal", "UPDATE orders", "UPDATE orders SET status = 'confirmed' WHERE id = $1", false);
            at = Client("order-worker", worker, at + 0.3, Between(30, 120), "POST", "email-gateway", s =>
            {
                s.Attributes.Add(Text("peer.service", "email-gateway"));
                s.Attributes.Add(Text("http.request.method", "POST"));
                s.Attributes.Add(Text("url.full", "https://email-gateway.internal/v1/messages"));
                s.Attributes.Add(Number("http.response.status_code", 202));
            });
            Finish(worker, at + Between(0.2, 1), frontEndCall: false);
        }

        /// <summary>Ends <paramref name="server"/> at <paramref name="end"/>, and when it answered the front end, the front end's call and the front end just after.</summary>
        private void Finish(Timed server, double end, bool frontEndCall)
        {
            End(server.Span, end);
            server.End = end;
            if (!frontEndCall)
            {
                return;
            }

            var call = _frontEnd["subsegments"]![0]!.AsObject();
            call["end_time"] = end + Between(0.5, 1.5);
            var renderStart = call["end_time"]!.GetValue<double>() + 0.2;
            var renderEnd = renderStart + Between(2, 15);
            _frontEnd["subsegments"]!.AsArray().Add(new JsonObject { ["id"] = HexId(8), ["name"] = "render", ["start_time"] = renderStart, ["end_time"] = renderEnd });
            _frontEnd["end_time"] = renderEnd + 0.5;
            _end = Math.Max(_end, renderEnd + 0.5);
        }

        private void End(Span span, double end)
        {
            span.EndTimeUnixNano = (ulong)(end * 1_000_000);
            _end = Math.Max(_end, end);
        }

        private static void Raise(Timed server, string type, string message) => AddException(server.Span, type, message, server.Start);

        private static void AddException(Span span, string type, string message, double at)
        {
            var spanEvent = new Span.Types.Event { Name = "exception", TimeUnixNano = (ulong)(at * 1_000_000) };
            spanEvent.Attributes.Add(Text("exception.type", type));
            spanEvent.Attributes.Add(Text("exception.message", message));
            span.Events.Add(spanEvent);
            span.Status ??= new Status { Code = Status.Types.StatusCode.Error, Message = message };
        }

        private Span NewSpan(string service, string name, Span.Types.SpanKind kind, ByteString parent, double start)
        {
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(_traceId),
                SpanId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(8)),
                ParentSpanId = parent,
                Name = name,
                Kind = kind,
                StartTimeUnixNano = (ulong)(start * 1_000_000),
                EndTimeUnixNano = (ulong)(start * 1_000_000),
            };
            _spans.Add((service, span));
            return span;
        }

        private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

        private static KeyValue Number(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };
    }

    /// <summary>A span with its start on the builder's relative clock (ms) and, once finished, its end.</summary>
    private sealed class Timed(Span span, double start)
    {
        public Span Span { get; } = span;

        public double Start { get; } = start;

        public double End { get; set; }
    }
}
