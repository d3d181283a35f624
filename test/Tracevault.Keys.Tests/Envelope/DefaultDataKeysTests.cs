using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;

namespace Tracevault.Keys.Tests.Envelope;

/// <summary>The blind-index key: the only thing that keeps trace ids at rest from being tested by anyone who can guess one.</summary>
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
}
