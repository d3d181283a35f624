using System.Diagnostics;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Waits for a condition with a generous ceiling, and fails the test when the condition never holds; no test asserts speed.</summary>
public static class Eventually
{
    /// <summary>The ceiling a wait has when none is given: long enough for a loaded 2-core machine, short enough to end a hung test.</summary>
    public static readonly TimeSpan DefaultCeiling = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Probes until <paramref name="done"/> holds for the probe's answer and returns that answer; fails naming <paramref name="what"/> and the last answer when the ceiling passes first.</summary>
    public static async Task<T> WaitAsync<T>(string what, Func<Task<T>> probe, Func<T, bool> done, TimeSpan? ceiling = null, Func<T, string>? describe = null)
    {
        var limit = ceiling ?? DefaultCeiling;
        var started = Stopwatch.StartNew();
        while (true)
        {
            var answer = await probe();
            if (done(answer))
            {
                return answer;
            }

            if (started.Elapsed > limit)
            {
                Assert.Fail($"{what}: the condition never held within {limit.TotalSeconds:0} s; last seen: {(describe is null ? answer?.ToString() : describe(answer))}");
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> when the ceiling passes first.</summary>
    public static Task WaitAsync(string what, Func<bool> condition, TimeSpan? ceiling = null) =>
        WaitAsync(what, () => Task.FromResult(condition()), held => held, ceiling);

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> when the ceiling passes first.</summary>
    public static Task WaitAsync(string what, Func<Task<bool>> condition, TimeSpan? ceiling = null) =>
        WaitAsync(what, condition, held => held, ceiling);
}
