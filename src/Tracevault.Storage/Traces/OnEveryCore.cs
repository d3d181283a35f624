using System.Runtime.ExceptionServices;

namespace Tracevault.Storage.Traces;

/// <summary>
/// Runs independent pieces of sealing or opening (frames, chunks) spread over the cores. A failure is thrown as itself (a damaged or
/// moved frame's <see cref="System.Security.Cryptography.CryptographicException"/>), as when the pieces run one by one, not wrapped
/// in an <see cref="AggregateException"/>.
/// </summary>
internal static class OnEveryCore
{
    /// <summary>Runs <paramref name="action"/> for 0 to <paramref name="count"/> - 1; one alone runs on the caller's thread.</summary>
    public static void For(int count, Action<int> action)
    {
        if (count == 1)
        {
            action(0);
            return;
        }

        try
        {
            Parallel.For(0, count, action);
        }
        catch (AggregateException exception)
        {
            ExceptionDispatchInfo.Throw(exception.InnerExceptions[0]);
        }
    }

    /// <summary>Opens each of <paramref name="items"/> and joins their segments in the items' order.</summary>
    public static List<ChunkSegment> Open<T>(IReadOnlyList<T> items, Func<T, List<ChunkSegment>> open)
    {
        var opened = new List<ChunkSegment>[items.Count];
        For(items.Count, i => opened[i] = open(items[i]));
        return opened.SelectMany(segments => segments).ToList();
    }
}
