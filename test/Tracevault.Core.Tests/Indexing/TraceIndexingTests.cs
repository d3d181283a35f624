using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Indexing;

namespace Tracevault.Core.Tests.Indexing;

public sealed class TraceIndexingTests
{
    // 200 fixed W3C trace ids, as the acceptance script makes them: the first 16 bytes of SHA-256("indexing-" + i).
    private static readonly byte[][] Ids = Enumerable.Range(0, 200).Select(i => SHA256.HashData(Encoding.UTF8.GetBytes($"indexing-{i}"))[..16]).ToArray();

    private static string XRayId(byte[] id)
    {
        var hex = Convert.ToHexStringLower(id);
        return $"1-{hex[..8]}-{hex[8..]}";
    }

    [Fact]
    public void IsIndexed_ZeroAndHundredPercent_IndexNoneAndEvery()
    {
        Assert.All(Ids, id => Assert.False(TraceIndexing.IsIndexed(id, 0)));
        Assert.All(Ids, id => Assert.True(TraceIndexing.IsIndexed(id, 100)));
        Assert.True(TraceIndexing.IsIndexed("1-ffffffff-ffffffffffffffffffffffff", 100));
        Assert.False(TraceIndexing.IsIndexed("1-00000000-000000000000000000000000", 0));
    }

    [Fact]
    public void IsIndexed_FiftyPercent_ReadsTheLow56BitsAgainstHalfTheirRange()
    {
        Assert.True(TraceIndexing.IsIndexed("1-ffffffff-ffffffffff7fffffffffffff", 50));
        Assert.False(TraceIndexing.IsIndexed("1-00000000-000000000080000000000000", 50));
        // The bits above the low 56 do not count.
        Assert.True(TraceIndexing.IsIndexed("1-ffffffff-ffffffffff00000000000000", 0.0001));
    }

    [Fact]
    public void IsIndexed_TheXRayFormAndTheBytesOfAnId_DecideAlike()
    {
        foreach (var percentage in new[] { 0.5, 1, 33.3, 50, 99.9 })
        {
            Assert.All(Ids, id => Assert.Equal(TraceIndexing.IsIndexed(id, percentage), TraceIndexing.IsIndexed(XRayId(id), percentage)));
        }
    }

    [Fact]
    public void IsIndexed_FiftyPercentOf200FixedIds_IndexesAboutHalf_AndEveryTraceIndexedAtAPercentageIsAtAHigherOne()
    {
        var atFifty = Ids.Count(id => TraceIndexing.IsIndexed(id, 50));

        Assert.InRange(atFifty, 80, 120);
        Assert.All(Ids.Where(id => TraceIndexing.IsIndexed(id, 10)), id => Assert.True(TraceIndexing.IsIndexed(id, 50)));
    }

    [Fact]
    public void IsMarkedUnindexed_OnlyTheMarkInMetadataOtel_Counts()
    {
        Assert.True(TraceIndexing.IsMarkedUnindexed("""{"id":"a","metadata":{"default":{},"otel":{"name":"x","indexed":false}}}"""u8));
        Assert.False(TraceIndexing.IsMarkedUnindexed("""{"id":"a","metadata":{"otel":{"name":"x"}}}"""u8));
        // An attribute of the same name is the span's own data, not the mark.
        Assert.False(TraceIndexing.IsMarkedUnindexed("""{"id":"a","metadata":{"default":{"indexed":false},"otel":{"name":"x"}}}"""u8));
        Assert.False(TraceIndexing.IsMarkedUnindexed("""{"id":"a","annotations":{"indexed":false}}"""u8));
        Assert.False(TraceIndexing.IsMarkedUnindexed("""{"id":"a","metadata":{"otel":{"indexed":true}}}"""u8));
    }
}
