namespace Tracevault.Storage.Traces;

/// <summary>A compression dictionary as stored: sealed under the data key of the chunks that use it.</summary>
/// <param name="Id">The dictionary id, random and positive; chunk format 3 names it in its sealed directory.</param>
/// <param name="AccountId">The account whose segments it was trained on.</param>
/// <param name="DataKeyReference">The data key it is sealed under.</param>
/// <param name="CreatedTime">When it was trained, epoch seconds; retention removes it once older than the data and no chunk uses it.</param>
/// <param name="SealedBytes">The sealed dictionary.</param>
public sealed record StoredDictionary(long Id, string AccountId, string DataKeyReference, long CreatedTime, byte[] SealedBytes);
