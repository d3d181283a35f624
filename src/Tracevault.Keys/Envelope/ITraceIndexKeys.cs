namespace Tracevault.Keys.Envelope;

/// <summary>The keys of the blind index, which finds an account's chunks by trace id without storing the id.</summary>
/// <remarks>
/// Chunks sealed under default encryption are indexed under a key derived from the service key; chunks sealed under a KMS key
/// are indexed under a key derived from that KMS key's material, so destroying it takes the ability to find them with it.
/// </remarks>
public interface ITraceIndexKeys
{
    /// <summary>The index key for the trace ids of a chunk sealed under <paramref name="sealingKey"/>.</summary>
    /// <exception cref="StoringStoppedException">The KMS key behind <paramref name="sealingKey"/> is gone.</exception>
    byte[] ForIndexing(string accountId, DataKey sealingKey);

    /// <summary>Every index key an account's entries may have been made with and that still exists: the service key's, and one per KMS key not destroyed.</summary>
    IReadOnlyList<byte[]> ForSearching(string accountId);
}
