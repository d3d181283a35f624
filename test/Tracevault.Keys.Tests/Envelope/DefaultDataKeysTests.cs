using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;

namespace Tracevault.Keys.Tests.Envelope;

/// <summary>Default data keys under a rotating service key, and the blind-index key: the only thing that keeps trace ids at rest from being tested by anyone who can guess one.</summary>
public sealed class DefaultDataKeysTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static DefaultDataKeys Keys(byte fill, int version = 1) => new(new ServiceKey(version, Enumerable.Repeat(fill, 32).ToArray()), Clock);

    [Fact]
    public void ForSealing_ManyAccountsAndDays_TheCacheStaysWithinItsCapacity_AndTheKeysStayTheSame()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var keys = new DefaultDataKeys(new ServiceKey(1, Enumerable.Repeat((byte)7, 32).ToArray()), clock);
        var first = keys.ForSealing("000000000000").Key;
        for (var account = 1; account <= DefaultDataKeys.CacheCapacity + 100; account++)
        {
            keys.ForSealing(account.ToString("D12", System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(DefaultDataKeys.CacheCapacity, keys.CachedKeys);
        Assert.Equal(first, keys.ForSealing("000000000000").Key);

        clock.Advance(DefaultDataKeys.CacheMaxAge);
        keys.ForSealing("000000000001");
        Assert.Equal(1, keys.CachedKeys);
    }

    [Fact]
    public void TraceIndexKey_EachAccount_ItsOwnKey()
    {
        var keys = Keys(7);
        var accounts = Enumerable.Range(0, 50).Select(i => (111122220000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var indexKeys = accounts.Select(keys.TraceIndexKey).ToList();

        Assert.All(indexKeys, k => Assert.Equal(32, k.Length));
        Assert.Equal(accounts.Count, indexKeys.Select(Convert.ToHexString).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void TraceIndexKey_AnotherServiceKey_AnotherKeyForTheSameAccount()
    {
        var first = Keys(7).TraceIndexKey("111122223333");
        var second = Keys(8).TraceIndexKey("111122223333");

        Assert.NotEqual(first, second);
        Assert.Equal(first, Keys(7).TraceIndexKey("111122223333"));
    }

    [Fact]
    public void TraceIndexKey_EvenUnderAnAllZeroServiceKey_IsNoConstant()
    {
        // No constant stands in for the derivation: not zeros, not the service key itself, not the account's data key.
        var keys = Keys(0);
        var indexKey = keys.TraceIndexKey("111122223333");

        Assert.NotEqual(new byte[32], indexKey);
        Assert.NotEqual(Enumerable.Repeat((byte)0, 32).ToArray(), Keys(1).TraceIndexKey("111122223333"));
        Assert.NotEqual(Enumerable.Repeat((byte)1, 32).ToArray(), Keys(1).TraceIndexKey("111122223333"));
        Assert.NotEqual(keys.ForSealing("111122223333").Key, indexKey);
        Assert.NotEqual(indexKey, keys.TraceIndexKey("444455556666"));
        Assert.True(indexKey.Distinct().Count() > 8, "a derived key looks random, not like a pattern");
    }

    [Fact]
    public void ForSealing_AfterRotate_NamesTheNewVersionFromTheNextCheck_AndTheOldVersionStillOpens()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new EphemeralServiceKeyStore(new ServiceKey(1, Enumerable.Repeat((byte)7, 32).ToArray()));
        var keys = new DefaultDataKeys(store, clock, NullLogger<DefaultDataKeys>.Instance);
        var reader = Caller.ForService("111122223333", "xray.amazonaws.com");
        var first = keys.ForSealing("111122223333");

        // Another process rotates (the store is shared): this one takes the version up at its next check, not before.
        var rotated = store.Rotate();
        Assert.Equal("default/1/20260301", keys.ForSealing("111122223333").Reference);
        clock.Advance(DefaultDataKeys.VersionCheckInterval);
        var second = keys.ForSealing("111122223333");

        Assert.Equal(2, rotated.Version);
        Assert.Equal("default/2/20260301", second.Reference);
        Assert.NotEqual(first.Key, second.Key);
        Assert.Equal(first.Key, keys.ForOpening("111122223333", first.Reference, reader).Key);
        Assert.Equal(second.Key, keys.ForOpening("111122223333", second.Reference, reader).Key);

        // A process that never sealed under version 1 (a restart) opens it from the store all the same.
        var restarted = new DefaultDataKeys(store, clock, NullLogger<DefaultDataKeys>.Instance);
        Assert.Equal(first.Key, restarted.ForOpening("111122223333", first.Reference, reader).Key);
        Assert.Equal("default/2/20260301", restarted.ForSealing("111122223333").Reference);
    }

    [Fact]
    public void ForOpening_VersionTheStoreDoesNotHoldOrNoReference_IsRefused()
    {
        var keys = Keys(7);
        var reader = Caller.ForService("111122223333", "xray.amazonaws.com");

        var unknown = Assert.Throws<DataKeyAccessException>(() => keys.ForOpening("111122223333", "default/9/20260301", reader));
        Assert.Contains("service key version 9", unknown.Message, StringComparison.Ordinal);
        Assert.False(unknown.AccessDenied);
        Assert.Throws<DataKeyAccessException>(() => keys.ForOpening("111122223333", "default/x/20260301", reader));
        Assert.Throws<DataKeyAccessException>(() => keys.ForOpening("111122223333", "default/20260301", reader));
    }

    [Fact]
    public void TraceIndexKey_AfterRotate_Unchanged()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new EphemeralServiceKeyStore(new ServiceKey(1, Enumerable.Repeat((byte)7, 32).ToArray()));
        var keys = new DefaultDataKeys(store, clock, NullLogger<DefaultDataKeys>.Instance);
        var before = keys.TraceIndexKey("111122223333");

        store.Rotate();
        clock.Advance(DefaultDataKeys.VersionCheckInterval);
        _ = keys.ForSealing("111122223333");

        // Traces stored under either version are found by the same hash of their id.
        Assert.Equal(before, keys.TraceIndexKey("111122223333"));
        Assert.Equal(before, Keys(7).TraceIndexKey("111122223333"));
    }
}
