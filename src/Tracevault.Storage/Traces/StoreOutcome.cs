using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>What became of a write: stored durably, or refused because the account's key cannot be used.</summary>
/// <param name="Stopped">Null when the segments are stored; else why storing stopped.</param>
public sealed record StoreOutcome(StoringStoppedException? Stopped)
{
    /// <summary>The segments are durable.</summary>
    public static readonly StoreOutcome Stored = new((StoringStoppedException?)null);

    /// <summary>Whether the segments are durable.</summary>
    public bool IsStored => Stopped is null;
}
