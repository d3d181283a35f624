using System.Security.Cryptography;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The console's sessions: found by their token's hash from every opening of the store (every node), extended, ended and swept.</summary>
public abstract class ConsoleSessionStoreContract : StorageContract
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ASessionAddedThroughOneOpening_IsFoundThroughAnother_WithEveryField()
    {
        var session = NewSession(Start.AddHours(1));
        Backend.OpenConsoleSessionStore().Add(session);

        var found = Backend.OpenConsoleSessionStore().Find((byte[])session.TokenHash.Clone());
        Assert.NotNull(found);
        Assert.Equal(session.TokenHash, found.TokenHash);
        Assert.Equal((session.AccountId, session.UserName, session.AccessKeyId, session.CreatedAt, session.ExpiresAt),
            (found.AccountId, found.UserName, found.AccessKeyId, found.CreatedAt, found.ExpiresAt));
        Assert.Null(Backend.OpenConsoleSessionStore().Find(SHA256.HashData("another token"u8)));
    }

    [Fact]
    public void Extend_MovesTheExpiryLaterOnly()
    {
        var node1 = Backend.OpenConsoleSessionStore();
        var node2 = Backend.OpenConsoleSessionStore();
        var session = NewSession(Start.AddHours(1));
        node1.Add(session);

        node2.Extend(session.TokenHash, Start.AddHours(2));
        Assert.Equal(Start.AddHours(2), node1.Find(session.TokenHash)!.ExpiresAt);

        // A node whose request was older must not cut short what a newer request on another node granted.
        node1.Extend(session.TokenHash, Start.AddHours(1).AddMinutes(30));
        Assert.Equal(Start.AddHours(2), node2.Find(session.TokenHash)!.ExpiresAt);
    }

    [Fact]
    public void Remove_EndsTheSessionForEveryOpening_AndRemovingAgainChangesNothing()
    {
        var node1 = Backend.OpenConsoleSessionStore();
        var node2 = Backend.OpenConsoleSessionStore();
        var session = NewSession(Start.AddHours(1));
        var other = NewSession(Start.AddHours(1));
        node1.Add(session);
        node1.Add(other);

        node2.Remove(session.TokenHash);
        node2.Remove(session.TokenHash);
        Assert.Null(node1.Find(session.TokenHash));
        Assert.NotNull(node1.Find(other.TokenHash));
    }

    [Fact]
    public void RemoveExpired_RemovesThoseAtOrBeforeTheTime_AndKeepsTheRest()
    {
        var store = Backend.OpenConsoleSessionStore();
        var past = NewSession(Start.AddMinutes(-1));
        var now = NewSession(Start);
        var later = NewSession(Start.AddMilliseconds(1));
        store.Add(past);
        store.Add(now);
        store.Add(later);

        Assert.Equal(2, Backend.OpenConsoleSessionStore().RemoveExpired(Start));
        Assert.Null(store.Find(past.TokenHash));
        Assert.Null(store.Find(now.TokenHash));
        Assert.NotNull(store.Find(later.TokenHash));
    }

    private static ConsoleSessionRecord NewSession(DateTimeOffset expiresAt) =>
        new(SHA256.HashData(RandomNumberGenerator.GetBytes(32)), "123456789012", "alice", "AKIAALICEXXXXXXXXXXX", Start.AddMinutes(-5), expiresAt);
}
