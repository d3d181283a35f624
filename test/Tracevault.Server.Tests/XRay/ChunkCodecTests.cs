using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Chunk bodies: the current format is written grouped by trace under a key of its own, and bodies of formats 1 and 4, written before, still open.</summary>
public sealed class ChunkCodecTests
{
    private const string Account = "111122223333";
    private const string TraceA = "1-6747a1c0-aaaaaaaaaaaaaaaaaaaaaaaa";
    private const string TraceB = "1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb";

    private readonly DataKey _key = new("default/1/20261128", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), null);

    [Fact]
    public void Open_Format1Body_ReturnsItsSegmentsInOrder()
    {
        var segments = new[] { Segment(TraceB, "b1"), Segment(TraceA, "a1"), Segment(TraceB, "b2") };
        var chunk = new StoredChunk(7, Account, 1, 0, 60, _key.Reference, LegacyChunkBodies.Format1(Account, 7, _key, segments), []);

        var opened = ChunkCodec.Open(chunk, _key);

        Assert.Equal(["b1", "a1", "b2"], opened.Select(s => s.Id));
        Assert.Equal([TraceB, TraceA, TraceB], opened.Select(s => s.TraceId));
        Assert.Equal(segments.Select(s => Encoding.UTF8.GetString(s.Document.Span)), opened.Select(s => Encoding.UTF8.GetString(s.Document.Span)));
        Assert.Equal(segments.Select(s => (s.InProgress, s.StartTime, s.EndTime)), opened.Select(s => (s.InProgress, s.StartTime, s.EndTime)));
    }

    [Fact]
    public void Seal_SegmentsOfInterleavedTraces_OpensGroupedByTraceEachTraceInItsOrder()
    {
        var segments = new[] { Segment(TraceB, "b1"), Segment(TraceA, "a1"), Segment(TraceB, "b2"), Segment(TraceA, "a2") };
        var body = ChunkCodec.Seal(Account, 9, _key, segments);

        var opened = ChunkCodec.Open(new StoredChunk(9, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, body, []), _key);

        Assert.Equal(5, ChunkCodec.CurrentFormat);
        Assert.Equal(["a1", "a2", "b1", "b2"], opened.Select(s => s.Id));
        Assert.Equal(["{\"id\":\"a1\"}", "{\"id\":\"a2\"}", "{\"id\":\"b1\"}", "{\"id\":\"b2\"}"], opened.Select(s => Encoding.UTF8.GetString(s.Document.Span)));
    }

    [Fact]
    public void Open_CurrentFormat_ReadsEachSegmentsFactsBackFromItsDocument()
    {
        ChunkSegment Stored(string id, string json) => new(TraceA, id.ToLowerInvariant(), json.Contains("in_progress", StringComparison.Ordinal), 0, 0, Encoding.UTF8.GetBytes(json));
        var segments = new[]
        {
            Stored("70A0B1C2D3E4F501", """{"name":"a","annotations":{"id":"not-this"},"id":"70A0B1C2D3E4F501","start_time":1764331200.25,"end_time":1764331201.5}"""),
            Stored("70a0b1c2d3e4f502", """{"id":"70a0b1c2d3e4f502","name":"b","start_time":1764331203,"in_progress":true}"""),
        };

        var opened = ChunkCodec.Open(new StoredChunk(14, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, ChunkCodec.Seal(Account, 14, _key, segments), []), _key);

        Assert.Equal(
            [("70a0b1c2d3e4f501", false, 1764331200.25, 1764331201.5), ("70a0b1c2d3e4f502", true, 1764331203d, 1764331203d)],
            opened.Select(s => (s.Id, s.InProgress, s.StartTime, s.EndTime)));
    }

    [Fact]
    public void Open_BodyClaimingAnotherFormat_Throws()
    {
        var body = ChunkCodec.Seal(Account, 9, _key, [Segment(TraceA, "a1")]);

        // The format is bound as associated data: a body cannot be read as another format. Read as an older format, the body's
        // random salt may already fail that format's parsing (InvalidDataException) before authentication fails; both refuse it.
        foreach (var format in (int[])[1, 4])
        {
            var refused = Record.Exception(() => ChunkCodec.Open(new StoredChunk(9, Account, format, 0, 60, _key.Reference, body, []), _key));
            Assert.True(refused is CryptographicException or InvalidDataException, $"format {format}: {refused?.GetType().Name ?? "opened"}");
        }

        Assert.Throws<InvalidDataException>(() => ChunkCodec.Open(new StoredChunk(9, Account, 6, 0, 60, _key.Reference, body, []), _key));
    }

    [Fact]
    public void OpenTraces_ChunkOfManyFrames_OpensOnlyTheFramesOfTheTracesAsked()
    {
        // 80 traces of 5 segments of about 1 KB: about 400 KB, several frames.
        var traceIds = Enumerable.Range(0, 80).Select(i => $"1-6747a1c0-{i:x24}").ToList();
        var segments = traceIds.SelectMany(t => Enumerable.Range(0, 5).Select(i => LargeSegment(t, $"{i:x16}"))).Reverse().ToArray();
        var body = ChunkCodec.Seal(Account, 11, _key, segments);
        var chunk = new StoredChunk(11, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, body, []);

        var all = ChunkCodec.Open(chunk, _key);
        Assert.Equal(segments.Length, all.Count);
        Assert.Equal(traceIds, all.Select(s => s.TraceId).Distinct());

        var asked = new HashSet<string>(StringComparer.Ordinal) { traceIds[3], traceIds[70], "1-6747a1c0-ffffffffffffffffffffffff" };
        var some = ChunkCodec.OpenTraces(chunk, _key, asked);
        Assert.Equal([traceIds[3], traceIds[70]], some.Select(s => s.TraceId).Distinct());
        Assert.Equal(10, some.Count);

        // Each frame is sealed on its own: damage in the last frame leaves the first readable, and is found when the last is read.
        body[^1] ^= 1;
        Assert.Equal(5, ChunkCodec.OpenTraces(chunk, _key, new HashSet<string>(StringComparer.Ordinal) { traceIds[0] }).Count);
        Assert.ThrowsAny<CryptographicException>(() => ChunkCodec.OpenTraces(chunk, _key, new HashSet<string>(StringComparer.Ordinal) { traceIds[^1] }));
        Assert.ThrowsAny<CryptographicException>(() => ChunkCodec.Open(chunk, _key));
    }

    [Fact]
    public void OpenDirectory_ChunkOfManyFrames_GivesEachFramesTraceIdSeconds()
    {
        // 80 traces of 5 segments of about 1 KB, dated 0 to 79 seconds apart in a shuffled order, their segments
        // starting within the same minute (so their ids date them, TraceDates): several frames.
        var traceIds = Enumerable.Range(0, 80).Select(i => $"1-{0x69298ec0 + (i * 37 % 80):x8}-{i:x24}").ToList();
        var segments = traceIds.SelectMany(t => Enumerable.Range(0, 5).Select(i => LargeSegment(t, $"{i:x16}"))).ToArray();
        var chunk = new StoredChunk(15, Account, ChunkCodec.CurrentFormat, 0x69298e80, 0x69298f40, _key.Reference, ChunkCodec.Seal(Account, 15, _key, segments), []);

        var directory = ChunkCodec.OpenDirectory(chunk, _key);

        Assert.True(directory.Frames.Count > 2, $"the test needs several frames, got {directory.Frames.Count}");
        var read = new List<ChunkSegment>();
        for (var frame = 0; frame < directory.Frames.Count; frame++)
        {
            var opened = ChunkCodec.OpenFrames(chunk, _key, _ => CompressionDictionary.None, directory, [frame], null);
            var seconds = opened.Select(s => TraceIds.EpochSeconds(s.TraceId)).ToList();
            Assert.Equal((seconds.Min(), seconds.Max()), (directory.Frames[frame].FirstSecond, directory.Frames[frame].LastSecond));
            read.AddRange(opened);
        }

        Assert.Equal(ChunkCodec.Open(chunk, _key).Select(s => (s.TraceId, s.Id)), read.Select(s => (s.TraceId, s.Id)));
    }

    [Fact]
    public void OpenDirectory_DirectoryWithoutSeconds_TakesEveryFrameToSpanTheChunksRange()
    {
        // Format 2 and 3 directories (and format 4's before they gave them) say nothing of seconds: a frame may hold any of the chunk's.
        var chunk = new StoredChunk(16, Account, 2, 1_764_331_140, 1_764_331_260, _key.Reference, LegacyChunkBodies.Format2(Account, 16, _key, [Segment(TraceA, "a1")]), []);

        var frame = Assert.Single(ChunkCodec.OpenDirectory(chunk, _key).Frames);

        Assert.Equal((1_764_331_140, 1_764_331_260), (frame.FirstSecond, frame.LastSecond));
    }

    [Fact]
    public void Open_BodyOfAnotherChunk_Throws()
    {
        var body = ChunkCodec.Seal(Account, 12, _key, [Segment(TraceA, "a1")]);

        Assert.ThrowsAny<CryptographicException>(() => ChunkCodec.Open(new StoredChunk(13, Account, ChunkCodec.CurrentFormat, 0, 60, _key.Reference, body, []), _key));
        Assert.ThrowsAny<CryptographicException>(() => ChunkCodec.Open(new StoredChunk(12, "444455556666", ChunkCodec.CurrentFormat, 0, 60, _key.Reference, body, []), _key));
    }

    [Fact]
    public void Seal_EachChunkUnderItsOwnKey_DerivedFromTheDataKeyAndTheChunksRandomSalt()
    {
        var segments = new[] { Segment(TraceA, "a1"), Segment(TraceB, "b1") };
        var body = ChunkCodec.Seal(Account, 17, _key, segments);
        var again = ChunkCodec.Seal(Account, 17, _key, segments);

        // The body begins with its salt; the chunk key is HKDF-SHA256(data key, salt, the chunk's identity), derived here on its own.
        var salt = body.AsSpan(0, ChunkCodec.ChunkKeySaltSize).ToArray();
        Assert.NotEqual(salt, again.AsSpan(0, ChunkCodec.ChunkKeySaltSize).ToArray());
        var chunkKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _key.Key, 32, salt, Encoding.UTF8.GetBytes($"tracevault/chunk-key\n5\n{Account}\n17\n{_key.Reference}"));
        var at = ChunkCodec.ChunkKeySaltSize;
        var directoryLength = Varint.ReadInt32(body, ref at);
        var directory = body.AsSpan(at, directoryLength).ToArray();
        var associatedData = Encoding.UTF8.GetBytes($"tracevault/chunk\n5\n{Account}\n17\n{_key.Reference}\n-1");

        Assert.NotEmpty(AeadSealer.Open(chunkKey, directory, associatedData));
        Assert.ThrowsAny<CryptographicException>(() => AeadSealer.Open(_key.Key, directory, associatedData));
        Assert.Equal(["a1", "b1"], ChunkCodec.Open(new StoredChunk(17, Account, 5, 0, 60, _key.Reference, body, []), _key).Select(s => s.Id));

        // The salt is bound too: another salt derives another key, and nothing opens.
        body[0] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => ChunkCodec.Open(new StoredChunk(17, Account, 5, 0, 60, _key.Reference, body, []), _key));
    }

    [Fact]
    public void Open_Format4Body_SealedUnderTheDataKeyItselfBeforeChunkKeys_StillOpens()
    {
        // Written by ChunkCodec.Seal at format 4 (commit cd8cfeb), key bytes 0 to 31, chunk 21 of account 111122223333.
        var chunk = new StoredChunk(21, "111122223333", 4, 0, 60, _key.Reference, Convert.FromBase64String(Format4Chunk21), []);

        var opened = ChunkCodec.Open(chunk, _key);

        Assert.Equal(
            [
                ("1-6747a1c0-aaaaaaaaaaaaaaaaaaaaaaaa", "70a0b1c2d3e4f502", """{"name":"checkout","id":"70a0b1c2d3e4f502","trace_id":"1-6747a1c0-aaaaaaaaaaaaaaaaaaaaaaaa","start_time":1732747712.5,"end_time":1732747712.75}"""),
                ("1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb", "70a0b1c2d3e4f501", """{"name":"checkout","id":"70a0b1c2d3e4f501","trace_id":"1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb","start_time":1732747712.25,"end_time":1732747713.5,"annotations":{"canary":"format-4-fixture"}}"""),
                ("1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb", "70a0b1c2d3e4f503", """{"name":"checkout","id":"70a0b1c2d3e4f503","trace_id":"1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb","start_time":1732747713,"end_time":1732747714,"http":{"response":{"status":200}}}"""),
            ],
            opened.Select(s => (s.TraceId, s.Id, Encoding.UTF8.GetString(s.Document.Span))));
        Assert.Equal(
            ["70a0b1c2d3e4f501", "70a0b1c2d3e4f503"],
            ChunkCodec.OpenTraces(chunk, _key, new HashSet<string>(StringComparer.Ordinal) { "1-6747a1c0-bbbbbbbbbbbbbbbbbbbbbbbb" }).Select(s => s.Id));
    }

    private const string Format4Chunk21 =
        "UwHaT6lSCj8xJ3zrhZ9lyCHtJeoU28ODYmQtnyMugMoMiX2d8EDP2xI8kucRvA/lbGaiMBA3mCKAd9ug0Jno3Xjfj7XyNsYaqpAS" +
        "5fuunRodG46GAU/QC7AFnwdtmt9fC6Ki1iB3BuwW1Re1aEURVbqtMFNWQIm/n9m0nOtEAQmgKul5lCK5TYv6I76PH0GE+70R9sLP" +
        "RvuPhBgBhMJAa7H441YYUkDOaJvw4LyFjpLhl4mFxKQ5g8bKI9JN9ugjFej23+5t1TdNqgjmoxVo5IxSbMF2TpKCzxX6e+wbdkEE" +
        "Q/RGU3rn2fz8dCBHpXFgFbweYLN6f7KEtyo0KDkraDQw/P+HzSU3/9hilMMvPlAwyLqtCajM/FsTmchUw2DzRgS8sRO+adACA75j" +
        "b5pdXDkQxQ+s7+m921kPD6FQ6a8KIjE5ofoG05y8m/FM8K1vYZnZ9Q==";

    private static ChunkSegment LargeSegment(string traceId, string id) =>
        new(traceId, id, false, 1_764_331_200.25, 1_764_331_201.5, Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"trace_id\":\"{traceId}\",\"metadata\":\"{Convert.ToHexString(RandomNumberGenerator.GetBytes(480))}\"}}"));

    private static ChunkSegment Segment(string traceId, string id) =>
        new(traceId, id, id.EndsWith('2'), 1_764_331_200.25, 1_764_331_201.5, Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"));
}
