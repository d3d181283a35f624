using System.Text;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>Writes and reads a list of <see cref="TraceFacts"/> as bytes, each string once in a table ahead of the facts that use it.</summary>
internal static class TraceFactsCodec
{
    private const byte NumberValue = 0;
    private const byte BooleanValue = 1;
    private const byte StringValue = 2;

    private static readonly AnnotationValue True = AnnotationValue.FromBoolean(true);
    private static readonly AnnotationValue False = AnnotationValue.FromBoolean(false);

    /// <summary>Writes the facts.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyList<TraceFacts> traces)
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        using var body = new MemoryStream();
        using (var facts = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            facts.Write7BitEncodedInt(traces.Count);
            foreach (var trace in traces)
            {
                WriteOne(facts, trace, table);
            }
        }

        writer.Write7BitEncodedInt(table.Count);
        foreach (var text in table.OrderBy(t => t.Value).Select(t => t.Key))
        {
            writer.Write(text);
        }

        writer.Write(body.GetBuffer(), 0, (int)body.Length);
    }

    /// <summary>
    /// Reads facts written by <see cref="Write"/> (by an earlier one without requests when <paramref name="withRequests"/> is false);
    /// throws <see cref="InvalidDataException"/> (or <see cref="EndOfStreamException"/>) on other bytes.
    /// </summary>
    public static List<TraceFacts> Read(BinaryReader reader, bool withRequests)
    {
        var table = new string[reader.ReadInt32Checked()];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = reader.ReadString();
        }

        var count = reader.ReadInt32Checked();
        var traces = new List<TraceFacts>(Math.Min(count, 1 << 16));
        var shared = new SharedValues(table);
        for (var i = 0; i < count; i++)
        {
            traces.Add(ReadOne(reader, shared, withRequests));
        }

        return traces;
    }

    private static void WriteOne(BinaryWriter writer, TraceFacts trace, Dictionary<string, int> table)
    {
        writer.Write(trace.Id);
        writer.Write(trace.StartTime);
        writer.Write(trace.EndTime);
        writer.Write(trace.RootStart);
        writer.Write7BitEncodedInt((int)trace.Flags);
        writer.Write(trace.ResponseTime ?? double.NaN);
        writer.Write(trace.Http is not null);
        if (trace.Http is { } http)
        {
            WriteOptional(writer, http.HttpUrl, table);
            writer.Write7BitEncodedInt(http.HttpStatus is { } status ? status + 1 : 0);
            WriteOptional(writer, http.HttpMethod, table);
            WriteOptional(writer, http.UserAgent, table);
            WriteOptional(writer, http.ClientIp, table);
        }

        writer.Write7BitEncodedInt(trace.Services.Count);
        for (var i = 0; i < trace.Services.Count; i++)
        {
            var service = trace.Services[i];
            writer.Write7BitEncodedInt(Index(service.Name, table));
            WriteOptional(writer, service.Type, table);
            WriteOptional(writer, service.AccountId, table);
            writer.Write(trace.Inferred[i]);
        }

        writer.Write7BitEncodedInt(trace.Calls.Count);
        foreach (var (caller, callee) in trace.Calls)
        {
            writer.Write7BitEncodedInt(caller);
            writer.Write7BitEncodedInt(callee);
        }

        writer.Write7BitEncodedInt(trace.Annotations.Count);
        foreach (var (key, value) in trace.Annotations)
        {
            writer.Write7BitEncodedInt(Index(key, table));
            if (value.StringValue is { } text)
            {
                writer.Write(StringValue);
                writer.Write7BitEncodedInt(Index(text, table));
            }
            else if (value.NumberValue is { } number)
            {
                writer.Write(NumberValue);
                writer.Write(number);
            }
            else
            {
                writer.Write(BooleanValue);
                writer.Write(value.BooleanValue == true);
            }
        }

        foreach (var values in new[] { trace.Users, trace.AvailabilityZones, trace.InstanceIds, trace.ResourceArns })
        {
            writer.Write7BitEncodedInt(values.Count);
            foreach (var value in values)
            {
                writer.Write7BitEncodedInt(Index(value, table));
            }
        }

        writer.Write7BitEncodedInt(trace.Links.Count);
        foreach (var link in trace.Links)
        {
            writer.Write(link.Id);
            writer.Write7BitEncodedInt(link.Service + 1);
            writer.Write7BitEncodedInt(((link.Inferred + 1) * 2) + (link.Document ? 1 : 0));
        }

        writer.Write7BitEncodedInt(trace.Unlinked.Count);
        foreach (var (parentId, service, _) in trace.Unlinked)
        {
            writer.Write(parentId);
            writer.Write7BitEncodedInt(service + 1);
        }

        writer.Write7BitEncodedInt(trace.Orphans.Count);
        foreach (var orphan in trace.Orphans)
        {
            writer.Write(orphan.ParentId);
            writer.Write7BitEncodedInt(orphan.Service + 1);
            writer.Write(orphan.Inferred);
        }

        // Requests come last, so that facts written before them read as they were.
        foreach (var unlinked in trace.Unlinked)
        {
            writer.Write7BitEncodedInt(unlinked.Request + 1);
        }

        foreach (var orphan in trace.Orphans)
        {
            writer.Write7BitEncodedInt(orphan.Request + 1);
        }

        writer.Write7BitEncodedInt(trace.Requests.Count);
        foreach (var request in trace.Requests)
        {
            writer.Write7BitEncodedInt(request.Service);
            writer.Write7BitEncodedInt(request.Link + 1);
            writer.Write((byte)request.Flags);
            writer.Write(request.ResponseTime ?? double.NaN);
        }

        writer.Write7BitEncodedInt(trace.CallRequests.Count);
        foreach (var call in trace.CallRequests)
        {
            writer.Write7BitEncodedInt(call.Caller);
            writer.Write7BitEncodedInt(call.Request);
        }
    }

    private static TraceFacts ReadOne(BinaryReader reader, SharedValues shared, bool withRequests)
    {
        var table = shared.Table;
        var traceId = reader.ReadString();
        var start = reader.ReadDouble();
        var end = reader.ReadDouble();
        var rootStart = reader.ReadDouble();
        var flags = (TraceFactsFlags)reader.ReadInt32Checked();
        var responseTime = reader.ReadDouble();
        TraceHttp? http = null;
        if (reader.ReadBoolean())
        {
            var url = ReadOptional(reader, table);
            var status = reader.ReadInt32Checked();
            http = new TraceHttp(url, status == 0 ? null : status - 1, ReadOptional(reader, table), ReadOptional(reader, table), ReadOptional(reader, table));
        }

        var (services, inferred) = shared.Services(reader);

        var calls = Array<(int, int)>(ReadCount(reader));
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = (ServiceIndex(reader, services.Length), ServiceIndex(reader, services.Length));
        }

        var annotations = Array<KeyValuePair<string, AnnotationValue>>(ReadCount(reader));
        for (var i = 0; i < annotations.Length; i++)
        {
            var key = Lookup(reader.ReadInt32Checked(), table);
            var value = reader.ReadByte() switch
            {
                StringValue => shared.Text(reader.ReadInt32Checked()),
                NumberValue => AnnotationValue.FromNumber(reader.ReadDouble()),
                BooleanValue => reader.ReadBoolean() ? True : False,
                _ => throw new InvalidDataException("Unknown annotation kind."),
            };
            annotations[i] = new(key, value);
        }

        var users = shared.Strings(reader);
        var zones = shared.Strings(reader);
        var instances = shared.Strings(reader);
        var resources = shared.Strings(reader);
        var links = Array<TraceFactsLink>(ReadCount(reader));
        for (var i = 0; i < links.Length; i++)
        {
            var id = reader.ReadUInt32();
            var service = OptionalServiceIndex(reader, services.Length);
            var inferredAndDocument = reader.ReadInt32Checked();
            var inferredService = (inferredAndDocument / 2) - 1;
            links[i] = inferredService < services.Length
                ? new TraceFactsLink(id, service, inferredService, inferredAndDocument % 2 == 1)
                : throw new InvalidDataException("Service index out of range.");
        }

        var unlinked = Array<TraceFactsUnlinked>(ReadCount(reader));
        for (var i = 0; i < unlinked.Length; i++)
        {
            unlinked[i] = new TraceFactsUnlinked(reader.ReadUInt32(), OptionalServiceIndex(reader, services.Length));
        }

        var orphans = Array<TraceFactsOrphan>(ReadCount(reader));
        for (var i = 0; i < orphans.Length; i++)
        {
            orphans[i] = new TraceFactsOrphan(reader.ReadUInt32(), OptionalServiceIndex(reader, services.Length), reader.ReadBoolean());
        }

        TraceFactsRequest[] requests = [];
        TraceFactsCall[] callRequests = [];
        if (withRequests)
        {
            (requests, callRequests) = ReadRequests(reader, services.Length, links.Length, unlinked, orphans);
        }

        return new TraceFacts(traceId, start, end, flags, double.IsNaN(responseTime) ? null : responseTime, http, services, inferred, calls, annotations, users, zones, instances, resources)
        {
            RootStart = rootStart,
            Links = links,
            Unlinked = unlinked,
            Orphans = orphans,
            Requests = requests,
            CallRequests = callRequests,
            HasRequests = withRequests,
        };
    }

    /// <summary>Reads a trace's requests and calls, and the requests of its unlinked segments and orphans (set in place).</summary>
    private static (TraceFactsRequest[] Requests, TraceFactsCall[] Calls) ReadRequests(BinaryReader reader, int services, int links, TraceFactsUnlinked[] unlinked, TraceFactsOrphan[] orphans)
    {
        var unlinkedRequests = new int[unlinked.Length];
        for (var i = 0; i < unlinked.Length; i++)
        {
            unlinkedRequests[i] = reader.ReadInt32Checked() - 1;
        }

        var orphanRequests = new int[orphans.Length];
        for (var i = 0; i < orphans.Length; i++)
        {
            orphanRequests[i] = reader.ReadInt32Checked() - 1;
        }

        var requests = Array<TraceFactsRequest>(ReadCount(reader));
        for (var i = 0; i < requests.Length; i++)
        {
            var service = ServiceIndex(reader, Math.Min(services, TraceFactsLink.MaxService + 1));
            var link = reader.ReadInt32Checked() - 1;
            var flags = (TraceFactsRequestFlags)reader.ReadByte();
            var responseTime = reader.ReadDouble();
            requests[i] = link < links
                ? new TraceFactsRequest(service, link, flags, double.IsNaN(responseTime) ? null : responseTime)
                : throw new InvalidDataException("Link index out of range.");
        }

        var calls = Array<TraceFactsCall>(ReadCount(reader));
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = new TraceFactsCall(ServiceIndex(reader, services), ServiceIndex(reader, requests.Length));
        }

        for (var i = 0; i < unlinked.Length; i++)
        {
            unlinked[i] = unlinked[i] with { Request = unlinkedRequests[i] < requests.Length ? unlinkedRequests[i] : throw new InvalidDataException("Request index out of range.") };
        }

        for (var i = 0; i < orphans.Length; i++)
        {
            orphans[i] = orphans[i] with { Request = orphanRequests[i] < requests.Length ? orphanRequests[i] : throw new InvalidDataException("Request index out of range.") };
        }

        return (requests, calls);
    }

    private static int Index(string text, Dictionary<string, int> table)
    {
        if (!table.TryGetValue(text, out var index))
        {
            index = table.Count;
            table.Add(text, index);
        }

        return index;
    }

    private static void WriteOptional(BinaryWriter writer, string? text, Dictionary<string, int> table) =>
        writer.Write7BitEncodedInt(text is null ? 0 : Index(text, table) + 1);

    private static string? ReadOptional(BinaryReader reader, string[] table)
    {
        var index = reader.ReadInt32Checked();
        return index == 0 ? null : Lookup(index - 1, table);
    }

    private static string Lookup(int index, string[] table) =>
        index < table.Length ? table[index] : throw new InvalidDataException("String index out of range.");

    private static int OptionalServiceIndex(BinaryReader reader, int services)
    {
        var index = reader.ReadInt32Checked() - 1;
        return index < services ? index : throw new InvalidDataException("Service index out of range.");
    }

    private static int ServiceIndex(BinaryReader reader, int services)
    {
        var index = reader.ReadInt32Checked();
        return index < services ? index : throw new InvalidDataException("Service index out of range.");
    }

    /// <summary>A count of a trace's items; more than any trace holds (65,536) means the bytes are not what was written.</summary>
    private static int ReadCount(BinaryReader reader)
    {
        var count = reader.ReadInt32Checked();
        return count <= 1 << 16 ? count : throw new InvalidDataException("Count out of range.");
    }

    /// <summary>An array of <paramref name="length"/>, the shared empty one for none (most traces' lists are empty).</summary>
    private static T[] Array<T>(int length) => length == 0 ? [] : new T[length];

    /// <summary>
    /// The values one read shares between the traces it reads: a trace's facts hold references, not copies, of its minute's services,
    /// strings, and lists of them that other traces hold too (many traces reach the same services from the same zone).
    /// </summary>
    private sealed class SharedValues(string[] table)
    {
        private readonly Dictionary<(int, int, int), ServiceId> _services = [];
        private readonly Dictionary<int, AnnotationValue> _texts = [];
        private readonly Dictionary<string, (ServiceId[] Services, bool[] Inferred)> _serviceLists = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string[]> _stringLists = new(StringComparer.Ordinal);
        private readonly List<int> _indexes = [];

        public string[] Table => table;

        /// <summary>A trace's services and whether each is inferred.</summary>
        public (ServiceId[] Services, bool[] Inferred) Services(BinaryReader reader)
        {
            var count = ReadCount(reader);
            _indexes.Clear();
            for (var i = 0; i < count; i++)
            {
                _indexes.Add(reader.ReadInt32Checked());
                _indexes.Add(reader.ReadInt32Checked());
                _indexes.Add(reader.ReadInt32Checked());
                _indexes.Add(reader.ReadBoolean() ? 1 : 0);
            }

            var key = string.Join(',', _indexes);
            if (!_serviceLists.TryGetValue(key, out var list))
            {
                list = (Array<ServiceId>(count), Array<bool>(count));
                for (var i = 0; i < count; i++)
                {
                    list.Services[i] = Service(_indexes[4 * i], _indexes[(4 * i) + 1], _indexes[(4 * i) + 2]);
                    list.Inferred[i] = _indexes[(4 * i) + 3] == 1;
                }

                _serviceLists.Add(key, list);
            }

            return list;
        }

        /// <summary>A list of strings of the table.</summary>
        public string[] Strings(BinaryReader reader)
        {
            var count = ReadCount(reader);
            _indexes.Clear();
            for (var i = 0; i < count; i++)
            {
                _indexes.Add(reader.ReadInt32Checked());
            }

            var key = string.Join(',', _indexes);
            if (!_stringLists.TryGetValue(key, out var list))
            {
                list = Array<string>(count);
                for (var i = 0; i < count; i++)
                {
                    list[i] = Lookup(_indexes[i], table);
                }

                _stringLists.Add(key, list);
            }

            return list;
        }

        public ServiceId Service(int name, int type, int account)
        {
            if (!_services.TryGetValue((name, type, account), out var service))
            {
                service = new ServiceId(Lookup(name, table), type == 0 ? null : Lookup(type - 1, table), account == 0 ? null : Lookup(account - 1, table));
                _services.Add((name, type, account), service);
            }

            return service;
        }

        public AnnotationValue Text(int index)
        {
            if (!_texts.TryGetValue(index, out var value))
            {
                value = AnnotationValue.FromString(Lookup(index, table));
                _texts.Add(index, value);
            }

            return value;
        }
    }
}
