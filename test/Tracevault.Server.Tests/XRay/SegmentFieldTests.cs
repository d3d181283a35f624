using System.Text;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Chunk format 4 keeps ids, request ids and times in binary columns beside the documents' text, and gives every document back byte for byte.</summary>
public sealed class SegmentFieldTests
{
    private const string Account = "111122223333";
    private const string TraceA = "1-6747a1c0-0123456789abcdef01234567";
    private const string TraceB = "1-6747a1c0-89abcdef0123456789abcdef";
    private const string TraceC = "1-6747a1c0-fedcba9876543210fedcba98";

    private readonly DataKey _key = new("default/1/20261128", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), null);

    /// <summary>What an SDK writes, and what it might write instead: each value in a form the columns hold, and in forms they do not.</summary>
    private static readonly (string TraceId, string Json)[] Documents =
    [
        // A child stored before its parent: its parent id is found in the frame's id column even so.
        (TraceA, """{"name":"cart","id":"7e90a82df81385a2","trace_id":"1-6747a1c0-0123456789abcdef01234567","parent_id":"b401db5b51ae7d61","start_time":1764331200.432959,"end_time":1764331200.467387,"subsegments":[{"id":"00f94a7d407db44c","name":"SNS","start_time":1764331200.443404,"end_time":1764331200.46234,"aws":{"operation":"Publish","request_id":"D946C6EF-2237-7986-4FAA-AE352FAD1506"}}]}"""),
        (TraceA, """{"name":"front","id":"f65d73c36daa8027","trace_id":"1-6747a1c0-0123456789abcdef01234567","start_time":1764331200.431,"end_time":1764331201,"subsegments":[{"id":"b401db5b51ae7d61","name":"cart","start_time":1764331200.4,"end_time":1764331200.5,"aws":{"request_id":"77f70704-5fa8-38fe-2106-ebd41bc0a328"}}]}"""),
        (TraceA, """{"name":"orphan","id":"0000000000000000","trace_id":"1-6747a1c0-0123456789abcdef01234567","parent_id":"ffffffffffffffff","start_time":1764331200.000001,"end_time":1764331200.50,"in_progress":false}"""),
        // Values left as text: other case or length, another trace's id, times with more decimals, an exponent, a sign, other digit counts, spaces.
        (TraceB, """{"id":"70A0B1C2D3E4F501","parent_id":"0123456789abcde","trace_id":"1-6747a1c0-0123456789abcdef01234567","start_time":1764331200.1234567,"end_time":1.7643312e9}"""),
        (TraceB, """{"id":"0123456789abcdef0","start_time":-1764331200.5,"end_time":176433120,"aws":{"request_id":"D946c6EF-2237-7986-4FAA-AE352FAD1506"},"links":{"trace_id":"1-6747a1c0-89abcdef0123456789abcdeg"}}"""),
        (TraceB, """{"id": "a0a0a0a0a0a0a0a0","start_time": 1764331200.5,"end_time":17643312000.5,"x":{"start_time":1764331200.,"end_time":"1764331200.5"}}"""),
        (TraceB, """{"id":"\u0061123456789abcdef","trace_id":"1-6747a1c0-89abcdef0123456789abcdef","start_time":1764331200,"end_time":1764331200.0}"""),
        // Keys inside strings, and values that end the document.
        (TraceC, """{"note":"\"id\":\"0123456789abcdef\" \"start_time\":1764331200.5 \u0022id\u0022:\"fedcba9876543210\"","id":"fedcba9876543210","end_time":1764331299.25}"""),
        (TraceC, "\"id\":\"0123456789abcdef\""),
        (TraceC, "\"start_time\":1764331200.25"),
        (TraceC, ""),
        // Not JSON: a placeholder byte in the text keeps the document as it is.
        (TraceC, "{\"id\":\"0123456789abcdef\",\"x\":\"\u0001\u0006\"}"),
    ];

    [Fact]
    public void Open_DocumentsWithAndWithoutValuesTheColumnsHold_ReturnsEachByteForByte()
    {
        var segments = Documents.Select((d, i) => new ChunkSegment(d.TraceId, $"{i:x16}", false, 0, 0, Encoding.UTF8.GetBytes(d.Json))).ToList();
        var dictionary = CompressionDictionary.Train(_key.Reference, [.. Enumerable.Range(0, 400).Select(i => Encoding.UTF8.GetBytes(Documents[i % Documents.Length].Json + i))], 4096);

        foreach (var used in new[] { CompressionDictionary.None, dictionary })
        {
            var chunk = new StoredChunk(21, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, ChunkCodec.Seal(Account, 21, _key, segments, used), []) { DictionaryId = used.Id };
            var opened = ChunkCodec.Open(chunk, _key, id => id == used.Id ? used : throw new InvalidOperationException("another dictionary"));

            Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(opened));

            // A trace after others in its frame: their values are passed over in the columns, not written into its documents.
            foreach (var traceId in new[] { TraceA, TraceB, TraceC })
            {
                var one = ChunkCodec.OpenTraces(chunk, _key, id => used, new HashSet<string>(StringComparer.Ordinal) { traceId });
                Assert.Equal(Texts(segments.Where(s => s.TraceId == traceId)), Texts(one));
            }
        }
    }

    [Fact]
    public void Encode_SdkDocument_LeavesNoIdRequestIdOrTimeInTheText()
    {
        var (traceId, json) = Documents[0];
        using var encoder = new SegmentFieldEncoder();
        var text = new byte[json.Length + SegmentFieldEncoder.MaxPrefixLength];

        var length = encoder.Encode(Encoding.UTF8.GetBytes(json), Encoding.UTF8.GetBytes($"\"{traceId}\""), text);

        var prefix = Array.FindIndex(text, b => b < 0x80) + 1;
        var left = Encoding.UTF8.GetString(text, prefix, length - prefix);
        foreach (var value in new[] { "7e90a82df81385a2", "b401db5b51ae7d61", "00f94a7d407db44c", traceId, "D946C6EF", "1764331200", ".432959" })
        {
            Assert.DoesNotContain(value, left, StringComparison.Ordinal);
        }

        Assert.Contains("\"name\":\"cart\"", left, StringComparison.Ordinal);
        Assert.Contains("\"operation\":\"Publish\"", left, StringComparison.Ordinal);
        // Two ids, a parent id, a trace id, a request id and four times: a byte each.
        Assert.Equal(9, left.Count(c => c is >= '\u0001' and <= '\u0007'));
        // Ids 8 bytes each, the parent (not in this one-document frame) a marker and 8, the request id 16, four time offsets.
        Assert.InRange(encoder.ColumnsLength, 3 + (2 * 8) + 9 + 16 + 4, 3 + (2 * 8) + 9 + 16 + (4 * 9));
    }

    [Fact]
    public void Open_ManyDocumentsOfValuesNearTheFormsTheColumnsHold_ReturnsEachByteForByte()
    {
        // Fixed seed: documents built of fragments that are, or almost are, what the encoder takes out, joined by separators
        // that may or may not end a value.
        var random = new Random(4242);
        string Hex(int length, bool upper) => string.Concat(Enumerable.Range(0, length).Select(_ => (upper ? "0123456789ABCDEF" : "0123456789abcdef")[random.Next(16)]));
        string Digits(int length) => string.Concat(Enumerable.Range(0, length).Select(i => (char)('0' + (i == 0 ? random.Next(1, 10) : random.Next(10)))));
        var traceIds = new[] { TraceA, TraceB, TraceC };
        string Fragment(string traceId) => random.Next(12) switch
        {
            0 => $"\"id\":\"{Hex(random.Next(15, 18), random.Next(8) == 0)}\"",
            1 => $"\"parent_id\":\"{Hex(16, random.Next(8) == 0)}\"",
            2 => $"\"trace_id\":\"{(random.Next(4) == 0 ? traceIds[random.Next(3)] : traceId)}\"",
            3 => $"\"request_id\":\"{Hex(8, random.Next(2) == 0)}-{Hex(4, false)}-{Hex(4, random.Next(2) == 0)}-{Hex(4, false)}-{Hex(12, random.Next(2) == 0)}\"",
            4 or 5 => $"\"{(random.Next(2) == 0 ? "start_time" : "end_time")}\":{Digits(random.Next(8, 13))}{(random.Next(3) == 0 ? "" : "." + Digits(random.Next(0, 9)))}{(random.Next(6) == 0 ? "e3" : "")}",
            6 => "\"id\":\"" + Hex(16, false),
            7 => "\"note\":\"\\\"id\\\":\\\"" + Hex(16, false) + "\\\"\"",
            8 => $"\"start_time\": {Digits(10)}.{Digits(3)}",
            9 => "\":",
            _ => $"\"n\":{random.Next()}",
        };
        var separators = new[] { ",", "}", "]", " ", "", "\"", ".", "0" };
        var segments = Enumerable.Range(0, 2000).Select(i =>
        {
            var traceId = traceIds[random.Next(3)];
            var json = "{" + string.Join("", Enumerable.Range(0, random.Next(0, 12)).Select(_ => Fragment(traceId) + separators[random.Next(separators.Length)])) + "}";
            return new ChunkSegment(traceId, $"{i:x16}", false, 0, 0, Encoding.UTF8.GetBytes(json));
        }).ToList();
        var dictionary = CompressionDictionary.Train(_key.Reference, [.. segments.Take(1000).Select(s => s.Document.ToArray())], 4096);

        foreach (var used in new[] { CompressionDictionary.None, dictionary })
        {
            var chunk = new StoredChunk(22, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, ChunkCodec.Seal(Account, 22, _key, segments, used), []) { DictionaryId = used.Id };

            Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(ChunkCodec.Open(chunk, _key, _ => used)));
            Assert.Equal(Texts(segments.Where(s => s.TraceId == TraceB)), Texts(ChunkCodec.OpenTraces(chunk, _key, _ => used, new HashSet<string>(StringComparer.Ordinal) { TraceB })));
        }
    }

    private static List<string> Texts(IEnumerable<ChunkSegment> segments) => segments.Select(s => Encoding.UTF8.GetString(s.Document.Span)).ToList();
}
