using System.Security.Cryptography;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The console's failed sign-ins: counted once for every opening of the store (every node), waits set by the rules, forgiven and forgotten.</summary>
public abstract class SignInAttemptStoreContract : StorageContract
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly SignInAttemptRules Rules = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(15));
    private static readonly byte[] Key = SHA256.HashData("key AKIAALICEXXXXXXXXXXX"u8);
    private static readonly byte[] Address = SHA256.HashData("address 203.0.113.7"u8);

    [Fact]
    public void FailuresThroughTwoOpenings_CountAsOne_AndTheFifthSetsTheWait()
    {
        var node1 = Backend.OpenSignInAttemptStore();
        var node2 = Backend.OpenSignInAttemptStore();
        for (var i = 0; i < 4; i++)
        {
            Assert.Null((i % 2 == 0 ? node1 : node2).TryBegin([Key, Address], Start, Rules));
        }

        Assert.Null(node1.RetryAt([Key], Start));
        Assert.Null(node2.TryBegin([Key, Address], Start, Rules));
        Assert.Equal(Start.AddSeconds(1), node1.RetryAt([Key], Start));
        Assert.Equal(Start.AddSeconds(1), node1.RetryAt([Address], Start));

        // While it waits, an attempt is refused and counts nothing: the wait after the next failure is still 2 s, not longer.
        Assert.Equal(Start.AddSeconds(1), node1.TryBegin([Key, Address], Start.AddMilliseconds(999), Rules));
        Assert.Null(node2.TryBegin([Key, Address], Start.AddSeconds(1), Rules));
        Assert.Equal(Start.AddSeconds(3), node1.RetryAt([Key, Address], Start.AddSeconds(1)));
    }

    [Fact]
    public void ANameThatWaits_MakesTheAttemptWait_AndTheOtherNameIsNotCounted()
    {
        var store = Backend.OpenSignInAttemptStore();
        var otherKey = SHA256.HashData("key AKIABOBXXXXXXXXXXXXX"u8);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(store.TryBegin([Address], Start, Rules));
        }

        Assert.Equal(Start.AddSeconds(1), Backend.OpenSignInAttemptStore().TryBegin([otherKey, Address], Start, Rules));
        Assert.Null(store.RetryAt([otherKey], Start.AddSeconds(5)));
        Assert.Null(store.TryBegin([otherKey], Start, Rules));
    }

    [Fact]
    public void ConcurrentAttemptsOnTwoOpenings_AreEachCounted_AndOnlyTheFreeOnesPass()
    {
        var node1 = Backend.OpenSignInAttemptStore();
        var node2 = Backend.OpenSignInAttemptStore();
        var passed = 0;
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if ((i % 2 == 0 ? node1 : node2).TryBegin([Key, Address], Start, Rules) is null)
            {
                Interlocked.Increment(ref passed);
            }
        });

        Assert.Equal(5, passed);
    }

    [Fact]
    public void TheWaitDoubles_UpToTheLongest()
    {
        var store = Backend.OpenSignInAttemptStore();
        var now = Start;
        var waits = new List<double>();
        for (var i = 0; i < 13; i++)
        {
            Assert.Null(store.TryBegin([Key], now, Rules));
            if (store.RetryAt([Key], now) is { } retryAt)
            {
                waits.Add((retryAt - now).TotalSeconds);
                now = retryAt;
            }
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], waits);
    }

    [Fact]
    public void Forgive_StartsTheNamesAfresh_AndLeavesOthers()
    {
        var node1 = Backend.OpenSignInAttemptStore();
        var otherKey = SHA256.HashData("key AKIABOBXXXXXXXXXXXXX"u8);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(node1.TryBegin([Key, Address], Start, Rules));
            Assert.Null(node1.TryBegin([otherKey], Start, Rules));
        }

        Backend.OpenSignInAttemptStore().Forgive([Key, Address]);
        Backend.OpenSignInAttemptStore().Forgive([Key]);
        Assert.Null(node1.RetryAt([Key, Address], Start));
        Assert.Equal(Start.AddSeconds(1), node1.RetryAt([otherKey], Start));
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(node1.TryBegin([Key, Address], Start, Rules));
        }

        Assert.Null(node1.RetryAt([Key, Address], Start));
    }

    [Fact]
    public void FailuresOlderThanForgetAfter_StartAfresh_AndRemoveForgotten_RemovesOnlyThose()
    {
        var store = Backend.OpenSignInAttemptStore();
        var recent = SHA256.HashData("address 198.51.100.1"u8);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(store.TryBegin([Key], Start, Rules));
        }

        // Fifteen minutes after the last failure the key starts afresh: its next failure is the first again.
        var later = Start + Rules.ForgetAfter;
        Assert.Null(store.TryBegin([Key], later, Rules));
        Assert.Null(store.RetryAt([Key], later));

        Assert.Null(store.TryBegin([Address], Start, Rules));
        Assert.Null(store.TryBegin([recent], Start.AddMinutes(1), Rules));
        Assert.Equal(1, Backend.OpenSignInAttemptStore().RemoveForgotten(Start));
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(store.TryBegin([recent], Start.AddMinutes(1), Rules));
        }

        Assert.NotNull(store.RetryAt([recent], Start.AddMinutes(1)));
    }

    [Fact]
    public void TheStore_HoldsNeitherTheAccessKeyIdNorTheAddress_OnlyTheirHashes()
    {
        var store = Backend.OpenSignInAttemptStore();
        Assert.Null(store.TryBegin([Key, Address], Start, Rules));
        Assert.True(Backend.TablesHold(Key));
        Assert.False(Backend.TablesHold("AKIAALICEXXXXXXXXXXX"u8.ToArray()));
        Assert.False(Backend.TablesHold("203.0.113.7"u8.ToArray()));
    }
}
