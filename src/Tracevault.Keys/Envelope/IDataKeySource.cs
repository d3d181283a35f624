using Tracevault.Core.Identity;

namespace Tracevault.Keys.Envelope;

/// <summary>Where the trace store gets the data keys that seal its chunks, and finds them again to open them.</summary>
public interface IDataKeySource
{
    /// <summary>The data key new chunks of <paramref name="accountId"/> are sealed under now.</summary>
    /// <exception cref="StoringStoppedException">The account's key cannot be used; nothing may be stored for it.</exception>
    DataKey ForSealing(string accountId);

    /// <summary>The data key a stored chunk names, opened for <paramref name="reader"/>.</summary>
    /// <exception cref="DataKeyAccessException">The reader may not use the key, or the key can no longer be opened.</exception>
    DataKey ForOpening(string accountId, string reference, Caller reader);
}
