using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;

namespace Tracevault.Keys.Tests.Envelope;

/// <summary>The bounded cache of plaintext data keys: count and age limits, zeroing on eviction, copies handed out.</summary>
public sealed class DataKeyCacheTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Add_OverCapacity_EvictsTheOldestAndZeroesIt()
    {
        var cache = new DataKeyCache<int>(2, TimeSpan.FromMinutes(5), _clock);
        var keys = Enumerable.Range(1, 3).Select(Key).ToList();
        cache.Add(1, keys[0]);
        cache.Add(2, keys[1]);
        cache.Add(3, keys[2]);

        Assert.Equal(2, cache.Count);
        Assert.Null(cache.Find(1));
        Assert.Equal(Key(2).Key, cache.Find(2)!.Key);
        Assert.Equal(Key(3).Key, cache.Find(3)!.Key);
        Assert.All(keys[0].Key, b => Assert.Equal(0, b));
        Assert.Equal(Key(2).Key, keys[1].Key);
    }

    [Fact]
    public void Find_OlderThanTheMaximumAge_MissesAndZeroes()
    {
        var cache = new DataKeyCache<int>(10, TimeSpan.FromMinutes(5), _clock);
        var given = Key(1);
        cache.Add(1, given);
        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.NotNull(cache.Find(1));

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Null(cache.Find(1));
        Assert.Equal(0, cache.Count);
        Assert.All(given.Key, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Add_ExpiredEntries_GoFirst()
    {
        var cache = new DataKeyCache<int>(10, TimeSpan.FromMinutes(5), _clock);
        cache.Add(1, Key(1));
        cache.Add(2, Key(2));
        _clock.Advance(TimeSpan.FromMinutes(6));
        cache.Add(3, Key(3));

        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Evict_Matching_ZeroesTheCachedBytes_ButNotTheCopiesHandedOut()
    {
        var cache = new DataKeyCache<int>(10, TimeSpan.FromMinutes(5), _clock);
        var given = Key(1) with { KeyArn = "arn:aws:kms:us-east-1:111122223333:key/gone" };
        var added = cache.Add(1, given);
        cache.Add(2, Key(2) with { KeyArn = "arn:aws:kms:us-east-1:111122223333:key/kept" });
        var handedOut = cache.Find(1)!;

        Assert.Equal(1, cache.Evict((_, key) => key.KeyArn!.EndsWith("/gone", StringComparison.Ordinal)));
        Assert.Null(cache.Find(1));
        Assert.NotNull(cache.Find(2));
        Assert.All(given.Key, b => Assert.Equal(0, b));
        Assert.Equal(Key(1).Key, handedOut.Key);
        Assert.Equal(Key(1).Key, added.Key);
    }

    private static DataKey Key(int seed) => new($"kms/{seed}", Enumerable.Repeat((byte)seed, 32).ToArray(), null);
}
