using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Tracevault.Benchmarks.Corpus;

/// <summary>Generates segment documents shaped like real X-Ray SDK output, deterministically for a seed and a base time.</summary>
/// <remarks>
/// Trace <c>k</c> depends only on (seed, base time, k), so separate client processes can each generate their own share of one corpus.
/// Documents average about 650 bytes: HTTP request/response, AWS SDK subsegments, SQL, remote calls, nested subsegments,
/// annotations, metadata, users, and errors, throttles and faults with causes. Thread-safe (no mutable state).
/// </remarks>
public sealed class CorpusGenerator
{
    /// <summary>The annotation every trace's root segment carries, for filter queries: <c>annotation.customer_tier = "gold"</c>.</summary>
    public const string TierAnnotation = "customer_tier";

    private static readonly string[] Tiers = ["gold", "silver", "bronze", "free"];
    private static readonly string[] Prefixes = ["checkout", "cart", "inventory", "payment", "user", "search", "catalog", "shipping", "pricing", "auth", "notification", "order", "review", "recommendation", "billing", "fraud", "media", "session", "ledger", "gateway"];
    private static readonly string[] Suffixes = ["api", "service", "worker", "frontend", "backend", "svc"];
    private static readonly string[] Origins = ["AWS::EC2::Instance", "AWS::ECS::Container", "AWS::ElasticBeanstalk::Environment", "AWS::EKS::Container"];
    private static readonly (string Sdk, string Version)[] Sdks = [("X-Ray for Java", "2.18.1"), ("X-Ray for Node.js", "3.10.1"), ("X-Ray for Python", "2.14.0"), ("X-Ray for Go", "1.8.4"), ("X-Ray for .NET Core", "2.15.0")];
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"];
    private static readonly string[] Resources = ["orders", "carts", "users", "products", "items", "sessions", "payments", "invoices", "reviews", "addresses"];
    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "okhttp/4.12.0",
        "aws-sdk-java/2.29.6 Linux/6.1.112 OpenJDK_64-Bit_Server_VM/21.0.5",
        "python-requests/2.32.3",
    ];

    private static readonly (string Service, string[] Operations)[] AwsCalls =
    [
        ("DynamoDB", ["GetItem", "PutItem", "Query", "UpdateItem", "BatchGetItem"]),
        ("S3", ["GetObject", "PutObject", "HeadObject"]),
        ("SQS", ["SendMessage", "ReceiveMessage", "DeleteMessage"]),
        ("SNS", ["Publish"]),
        ("Lambda", ["Invoke"]),
        ("KMS", ["Decrypt", "GenerateDataKey"]),
    ];

    private static readonly string[] SqlQueries =
    [
        "SELECT id, status, total FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT ?",
        "UPDATE inventory SET reserved = reserved + ? WHERE sku = ?",
        "INSERT INTO payments (order_id, amount, currency, state) VALUES (?, ?, ?, ?)",
        "SELECT p.id, p.name, p.price FROM products p JOIN categories c ON p.category_id = c.id WHERE c.slug = ?",
        "SELECT * FROM sessions WHERE token = ?",
        "DELETE FROM cart_items WHERE cart_id = ? AND sku = ?",
    ];

    private static readonly string[] Exceptions =
    [
        "java.net.SocketTimeoutException|Read timed out",
        "com.amazonaws.services.dynamodbv2.model.ProvisionedThroughputExceededException|The level of configured provisioned throughput for the table was exceeded",
        "System.InvalidOperationException|Sequence contains no elements",
        "TypeError|Cannot read properties of undefined (reading 'id')",
        "psycopg2.OperationalError|could not connect to server: Connection refused",
        "NullPointerException|Cannot invoke \"String.length()\" because \"sku\" is null",
    ];

    private readonly int _seed;
    private readonly long _baseEpochSeconds;
    private readonly int _spreadSeconds;
    private readonly int? _traces;

    /// <summary>Creates a generator.</summary>
    /// <param name="seed">The seed; one seed and base time always give the same corpus.</param>
    /// <param name="baseTime">The newest trace-id time; traces spread back from it.</param>
    /// <param name="spread">How far back trace-id times spread (default 50 minutes, so one hour holds them all).</param>
    /// <param name="serviceCount">How many services the estate has, 5 to 50 (default from the seed).</param>
    /// <param name="traces">
    /// The corpus's size in traces. When given, trace <c>k</c> is dated <c>k / traces</c> of the way through the spread, up to four seconds
    /// early, as a server receives live traffic (traces arrive about when they happen); otherwise anywhere in the spread.
    /// </param>
    public CorpusGenerator(int seed, DateTimeOffset baseTime, TimeSpan? spread = null, int? serviceCount = null, int? traces = null)
    {
        _seed = seed;
        _traces = traces is > 0 ? traces : null;
        _baseEpochSeconds = baseTime.ToUnixTimeSeconds();
        _spreadSeconds = (int)Math.Max(1, (spread ?? TimeSpan.FromMinutes(50)).TotalSeconds);
        var random = new Random(seed);
        var count = Math.Clamp(serviceCount ?? random.Next(5, 51), 5, 50);
        var services = new List<CorpusService>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (services.Count < count)
        {
            var name = $"{Pick(random, Prefixes)}-{Pick(random, Suffixes)}";
            if (!names.Add(name))
            {
                continue;
            }

            var (sdk, version) = Pick(random, Sdks);
            services.Add(new CorpusService(name, Pick(random, Origins), sdk, version, $"{name}.internal.example.com", $"i-{Hex(random, 17)}", random.Next(3) == 0));
        }

        Services = services;
    }

    /// <summary>The services of the estate.</summary>
    public IReadOnlyList<CorpusService> Services { get; }

    /// <summary>How many segments trace <paramref name="index"/> has (1 to 30, mostly few), without generating it.</summary>
    public int SegmentCount(int index) => DrawSegmentCount(TraceRandom(index));

    /// <summary>How many traces the first <paramref name="segments"/> segments of the corpus span (the last one may be cut short).</summary>
    public int TracesFor(long segments)
    {
        var traces = 0;
        for (long total = 0; total < segments; traces++)
        {
            total += SegmentCount(traces);
        }

        return traces;
    }

    /// <summary>Generates trace <paramref name="index"/>.</summary>
    public CorpusTrace Trace(int index)
    {
        var random = TraceRandom(index);
        var count = DrawSegmentCount(random);
        var drawn = random.Next(_spreadSeconds);
        var epoch = _traces is { } traces
            ? _baseEpochSeconds - _spreadSeconds + (long)index * _spreadSeconds / traces + (drawn % 5) - 4
            : _baseEpochSeconds - drawn;
        var traceId = $"1-{epoch:x8}-{Hex(random, 24)}";
        var startSeconds = epoch + (random.Next(1000) / 1000.0);
        var tier = Tiers[random.Next(Tiers.Length)];
        var documents = new List<byte[]>(count);
        var callIds = new List<(string Id, double Start)>();
        var buffer = new ArrayBufferWriter<byte>(2048);
        for (var i = 0; i < count; i++)
        {
            var service = i == 0 ? Services[random.Next(Math.Min(5, Services.Count))] : Services[random.Next(Services.Count)];
            string? parentId = null;
            var start = startSeconds;
            if (i > 0)
            {
                var (callId, callStart) = callIds.Count > 0 ? callIds[random.Next(callIds.Count)] : (Hex(random, 16), startSeconds);
                parentId = callId;
                start = callStart + (random.Next(1, 4000) / 1_000_000.0);
            }

            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteSegment(writer, random, service, traceId, parentId, start, i == 0, tier, callIds);
            }

            documents.Add(buffer.WrittenSpan.ToArray());
        }

        return new CorpusTrace(traceId, documents);
    }

    /// <summary>The documents of the first traces, until there are <paramref name="count"/> (for micro-benchmarks and the scan reference).</summary>
    public List<byte[]> Documents(int count)
    {
        var documents = new List<byte[]>(count);
        for (var index = 0; documents.Count < count; index++)
        {
            foreach (var document in Trace(index).Documents)
            {
                if (documents.Count < count)
                {
                    documents.Add(document);
                }
            }
        }

        return documents;
    }

    private Random TraceRandom(int index)
    {
        // A fixed mix (SplitMix64's finalizer), not HashCode, which is randomized per process.
        var z = unchecked(((ulong)(uint)_seed << 32) | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return new Random((int)(z ^ (z >> 31)));
    }

    private static int DrawSegmentCount(Random random)
    {
        // Most requests touch a few services; some fan out widely (average about 6).
        var roll = random.NextDouble();
        return roll switch
        {
            < 0.25 => 1,
            < 0.45 => random.Next(2, 4),
            < 0.80 => random.Next(4, 9),
            < 0.95 => random.Next(9, 18),
            _ => random.Next(18, 31),
        };
    }

    private static void WriteSegment(
        Utf8JsonWriter writer, Random random, CorpusService service, string traceId, string? parentId, double start, bool isRoot, string tier, List<(string Id, double Start)> callIds)
    {
        var duration = Duration(random);
        var status = Status(random);
        writer.WriteStartObject();
        writer.WriteString("name", service.Name);
        writer.WriteString("id", Hex(random, 16));
        writer.WriteString("trace_id", traceId);
        if (parentId is not null)
        {
            writer.WriteString("parent_id", parentId);
        }

        writer.WriteNumber("start_time", Math.Round(start, 6));
        writer.WriteNumber("end_time", Math.Round(start + duration, 6));
        writer.WriteString("origin", service.Origin);
        WriteErrorFlags(writer, status);

        var method = Pick(random, Methods);
        var resource = Pick(random, Resources);
        writer.WriteStartObject("http");
        writer.WriteStartObject("request");
        writer.WriteString("method", method);
        writer.WriteString("url", string.Create(CultureInfo.InvariantCulture, $"https://{service.Host}/v1/{resource}/{random.Next(1, 999_999)}"));
        if (isRoot)
        {
            writer.WriteString("user_agent", Pick(random, UserAgents));
            writer.WriteString("client_ip", string.Create(CultureInfo.InvariantCulture, $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}"));
        }

        writer.WriteEndObject();
        writer.WriteStartObject("response");
        writer.WriteNumber("status", status);
        if (random.Next(2) == 0)
        {
            writer.WriteNumber("content_length", random.Next(20, 40_000));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();

        if (isRoot || random.Next(8) == 0)
        {
            writer.WriteStartObject("aws");
            if (service.Origin == "AWS::EC2::Instance")
            {
                writer.WriteStartObject("ec2");
                writer.WriteString("instance_id", service.InstanceId);
                writer.WriteString("availability_zone", $"us-east-1{(char)('a' + random.Next(3))}");
                writer.WriteEndObject();
            }
            else if (service.Origin == "AWS::ECS::Container")
            {
                writer.WriteStartObject("ecs");
                writer.WriteString("container", $"{service.Name}-{Hex(random, 6)}");
                writer.WriteEndObject();
            }

            writer.WriteStartObject("xray");
            writer.WriteString("sdk", service.Sdk);
            writer.WriteString("sdk_version", service.SdkVersion);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (isRoot && random.Next(3) == 0)
        {
            writer.WriteString("user", string.Create(CultureInfo.InvariantCulture, $"user-{random.Next(100_000)}"));
        }

        var orderId = random.Next(2) == 0;
        var cacheHit = random.Next(3) == 0;
        if (isRoot || orderId || cacheHit)
        {
            writer.WriteStartObject("annotations");
            if (isRoot)
            {
                writer.WriteString(TierAnnotation, tier);
            }

            if (orderId)
            {
                writer.WriteNumber("order_id", random.Next(1, 10_000_000));
            }

            if (cacheHit)
            {
                writer.WriteBoolean("cache_hit", random.Next(2) == 0);
            }

            writer.WriteEndObject();
        }

        if (random.Next(6) == 0)
        {
            writer.WriteStartObject("metadata");
            writer.WriteStartObject("default");
            writer.WriteNumber("items", random.Next(1, 40));
            writer.WriteString("build", $"{random.Next(1, 9)}.{random.Next(0, 30)}.{random.Next(0, 200)}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (status >= 500)
        {
            WriteCause(writer, random);
        }

        var subsegments = random.Next(100) switch { < 52 => 0, < 84 => 1, < 96 => 2, _ => 3 };
        if (subsegments > 0)
        {
            writer.WriteStartArray("subsegments");
            var subStart = start + (random.Next(50, 2000) / 1_000_000.0);
            for (var s = 0; s < subsegments; s++)
            {
                var subDuration = duration * random.Next(5, 60) / 100.0;
                WriteSubsegment(writer, random, service, subStart, subDuration, callIds, depth: 0);
                subStart += subDuration;
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteSubsegment(Utf8JsonWriter writer, Random random, CorpusService service, double start, double duration, List<(string Id, double Start)> callIds, int depth)
    {
        var id = Hex(random, 16);
        writer.WriteStartObject();
        writer.WriteString("id", id);
        var kind = random.Next(10);
        if (depth == 0 && kind == 0)
        {
            // A local subsegment around a unit of work, with a call nested inside.
            writer.WriteString("name", $"{Pick(random, Resources)}-handler");
            writer.WriteNumber("start_time", Math.Round(start, 6));
            writer.WriteNumber("end_time", Math.Round(start + duration, 6));
            writer.WriteStartArray("subsegments");
            WriteSubsegment(writer, random, service, start + 0.0002, duration * 0.8, callIds, depth + 1);
            writer.WriteEndArray();
        }
        else if (service.UsesSql && kind < 5)
        {
            writer.WriteString("name", $"{Pick(random, Resources)}@db.internal.example.com");
            writer.WriteString("namespace", "remote");
            writer.WriteNumber("start_time", Math.Round(start, 6));
            writer.WriteNumber("end_time", Math.Round(start + duration, 6));
            writer.WriteStartObject("sql");
            writer.WriteString("url", "jdbc:postgresql://db.internal.example.com:5432/shop");
            writer.WriteString("database_type", "PostgreSQL");
            writer.WriteString("sanitized_query", Pick(random, SqlQueries));
            writer.WriteEndObject();
        }
        else if (kind < 8)
        {
            var (awsService, operations) = Pick(random, AwsCalls);
            var operation = Pick(random, operations);
            var status = Status(random);
            writer.WriteString("name", awsService);
            writer.WriteString("namespace", "aws");
            writer.WriteNumber("start_time", Math.Round(start, 6));
            writer.WriteNumber("end_time", Math.Round(start + duration, 6));
            WriteErrorFlags(writer, status);
            writer.WriteStartObject("http");
            writer.WriteStartObject("response");
            writer.WriteNumber("status", status);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("aws");
            writer.WriteString("operation", operation);
            writer.WriteString("region", "us-east-1");
            writer.WriteString("request_id", RequestId(random));
            if (awsService == "DynamoDB")
            {
                writer.WriteString("table_name", Pick(random, Resources));
            }
            else if (awsService == "SQS")
            {
                writer.WriteString("queue_url", string.Create(CultureInfo.InvariantCulture, $"https://sqs.us-east-1.amazonaws.com/{random.Next(100_000, 999_999)}123456/{Pick(random, Resources)}-events"));
            }

            writer.WriteNumber("retries", random.Next(10) == 0 ? 1 : 0);
            writer.WriteEndObject();
        }
        else
        {
            // A call to another service: the downstream segment names this subsegment as its parent.
            callIds.Add((id, start));
            writer.WriteString("name", $"{Pick(random, Prefixes)}-api");
            writer.WriteString("namespace", "remote");
            writer.WriteNumber("start_time", Math.Round(start, 6));
            writer.WriteNumber("end_time", Math.Round(start + duration, 6));
            writer.WriteStartObject("http");
            writer.WriteStartObject("request");
            writer.WriteString("method", Pick(random, Methods));
            writer.WriteString("url", string.Create(CultureInfo.InvariantCulture, $"http://{Pick(random, Prefixes)}.internal:8080/{Pick(random, Resources)}/{random.Next(1, 99_999)}"));
            writer.WriteBoolean("traced", true);
            writer.WriteEndObject();
            writer.WriteStartObject("response");
            writer.WriteNumber("status", 200);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteErrorFlags(Utf8JsonWriter writer, int status)
    {
        if (status == 429)
        {
            writer.WriteBoolean("throttle", true);
        }

        if (status is >= 400 and < 500)
        {
            writer.WriteBoolean("error", true);
        }
        else if (status >= 500)
        {
            writer.WriteBoolean("fault", true);
        }
    }

    private static void WriteCause(Utf8JsonWriter writer, Random random)
    {
        var (type, message) = Pick(random, Exceptions).Split('|') switch { var parts => (parts[0], parts[1]) };
        writer.WriteStartObject("cause");
        writer.WriteString("working_directory", "/app");
        writer.WriteStartArray("exceptions");
        writer.WriteStartObject();
        writer.WriteString("id", Hex(random, 16));
        writer.WriteString("type", type);
        writer.WriteString("message", message);
        writer.WriteStartArray("stack");
        var frames = random.Next(2, 6);
        for (var f = 0; f < frames; f++)
        {
            writer.WriteStartObject();
            writer.WriteString("path", $"src/{Pick(random, Resources)}/{Pick(random, Prefixes)}_handler.go");
            writer.WriteNumber("line", random.Next(10, 900));
            writer.WriteString("label", $"{Pick(random, Prefixes)}.Handle{Pick(random, Resources)}");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static double Duration(Random random)
    {
        // Log-uniform between 1 ms and about 2 s: most requests are fast, a few are slow.
        return Math.Round(Math.Pow(10, -3 + (random.NextDouble() * 3.3)), 6);
    }

    private static int Status(Random random) => random.Next(1000) switch
    {
        < 920 => 200,
        < 940 => 201,
        < 960 => 404,
        < 970 => 400,
        < 980 => 429,
        < 992 => 500,
        _ => 503,
    };

    private static string RequestId(Random random) =>
        $"{Hex(random, 8).ToUpperInvariant()}-{Hex(random, 4).ToUpperInvariant()}-{Hex(random, 4).ToUpperInvariant()}-{Hex(random, 4).ToUpperInvariant()}-{Hex(random, 12).ToUpperInvariant()}";

    private static string Hex(Random random, int digits)
    {
        Span<byte> bytes = stackalloc byte[(digits + 1) / 2];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..digits];
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
