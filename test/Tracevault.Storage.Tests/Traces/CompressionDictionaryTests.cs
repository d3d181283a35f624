using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Tests.XRay;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Traces;

/// <summary>
/// Chunk formats 3 and 4 without a store: frames compressed with a dictionary trained on the account's own segments under one
/// data key, sealed under that key; and format 2 and 3 bodies, written before, still open.
/// </summary>
public sealed class CompressionDictionaryTests
{
    private const string Account = "111122223333";
    private const long Day = 1_764_331_200;

    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(new DateTimeOffset(2025, 11, 28, 12, 0, 0, TimeSpan.Zero)));


    [Fact]
    public void Seal_WithADictionary_OpensOnlyWithThatDictionary_AndASmallChunkTakesFewerBytes()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var segments = Documents(1000, 5);

        var withDictionary = ChunkCodec.Seal(Account, 5, key, segments, dictionary);
        var without = ChunkCodec.Seal(Account, 5, key, segments);
        var chunk = new StoredChunk(5, Account, ChunkCodec.CurrentFormat, 0, 60, key.Reference, withDictionary, []);

        Assert.Equal(5, ChunkCodec.CurrentFormat);
        Assert.True(withDictionary.Length * 3 < without.Length * 2, $"{withDictionary.Length} bytes with the dictionary, {without.Length} without");
        Assert.Equal(Texts(segments), Texts(ChunkCodec.Open(chunk, key, id => id == dictionary.Id ? dictionary : CompressionDictionary.None)));
        Assert.Throws<InvalidOperationException>(() => ChunkCodec.Open(chunk, key));
        var other = CompressionDictionary.Train(key.Reference, Documents(2000, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        Assert.Throws<InvalidDataException>(() => ChunkCodec.Open(chunk, key, _ => other));
    }

    [Fact]
    public void OpenStoredDictionary_MovedToAnotherAccountIdOrDataKey_Throws()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var stored = dictionary.Seal(Account, key, Day);

        Assert.Equal(dictionary.Id, CompressionDictionary.Open(stored, key).Id);
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { AccountId = "444455556666" }, key));
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { Id = stored.Id + 1 }, key));
        var otherKey = new DataKey("default/1/20251129", key.Key, null);
        Assert.ThrowsAny<CryptographicException>(() => CompressionDictionary.Open(stored with { DataKeyReference = otherKey.Reference }, otherKey));
        Assert.Throws<InvalidOperationException>(() => dictionary.Seal(Account, otherKey, Day));
    }

    [Fact]
    public void Open_Format2Body_WrittenBeforeFormat3_StillOpens()
    {
        var key = _keys.ForSealing(Account);
        var segments = Documents(0, 30);
        var chunk = new StoredChunk(8, Account, 2, 0, 60, key.Reference, LegacyChunkBodies.Format2(Account, 8, key, segments), []);

        var opened = ChunkCodec.Open(chunk, key);

        Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(opened));
        Assert.Equal(segments.Select(s => s.Id).Order(StringComparer.Ordinal), opened.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Open_Format3Body_WrittenBeforeFormat4_StillOpens()
    {
        var key = _keys.ForSealing(Account);
        var dictionary = CompressionDictionary.Train(key.Reference, Documents(0, 600).Select(s => s.Document.ToArray()).ToList(), 32 * 1024);
        var segments = Documents(1000, 30);
        var chunk = new StoredChunk(8, Account, 3, 0, 60, key.Reference, LegacyChunkBodies.Format3(Account, 8, key, segments, dictionary), []) { DictionaryId = dictionary.Id };

        var opened = ChunkCodec.Open(chunk, key, id => id == dictionary.Id ? dictionary : CompressionDictionary.None);

        Assert.Equal(Texts(segments.OrderBy(s => s.TraceId, StringComparer.Ordinal)), Texts(opened));
        Assert.Equal(segments.Select(s => s.Id).Order(StringComparer.Ordinal), opened.Select(s => s.Id).Order(StringComparer.Ordinal));
    }


    /// <summary>Segments shaped like an SDK's: the same fields and services, varying ids, times, URLs and values; ten per trace.</summary>
    internal static List<ChunkSegment> Documents(int first, int count) => Enumerable.Range(first, count).Select(i =>
    {
        var traceId = $"1-692a1c40-{i / 10:x24}";
        var id = $"{i:x16}";
        double start = Day + i;
        var json = string.Create(CultureInfo.InvariantCulture, $$$$"""
            {"name":"checkout","id":"{{{{id}}}}","trace_id":"{{{{traceId}}}}","start_time":{{{{start:R}}}},"end_time":{{{{start + 0.25:R}}}},"http":{"request":{"method":"GET","url":"https://shop.example/orders/{{{{i * 7919 % 100_000}}}}"},"response":{"status":{{{{(i % 7 == 0 ? 500 : 200)}}}}}},"aws":{"xray":{"sdk":"X-Ray for Node.js","sdk_version":"3.10.1"}},"annotations":{"customer_tier":"{{{{(i % 3 == 0 ? "gold" : "silver")}}}}"},"metadata":{"default":{"items":{{{{i % 13}}}},"digest":"{{{{Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i)))}}}}"}}}
            """);
        return new ChunkSegment(traceId, id, false, start, start + 0.25, Encoding.UTF8.GetBytes(json));
    }).ToList();

    internal static List<string> Texts(IEnumerable<ChunkSegment> segments) => segments.Select(s => Encoding.UTF8.GetString(s.Document.Span)).ToList();
}
