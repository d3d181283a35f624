namespace Tracevault.Keys.Identity;

/// <summary>How failed sign-ins slow down further attempts: free failures, then waits doubling from <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>, all forgotten <see cref="ForgetAfter"/> after the last failure.</summary>
/// <param name="FreeFailures">How many failures a name may have before each further attempt must wait.</param>
/// <param name="FirstDelay">The wait after the first failure that is not free.</param>
/// <param name="MaxDelay">The longest wait.</param>
/// <param name="ForgetAfter">How long after its last failure a name starts afresh.</param>
public sealed record SignInAttemptRules(int FreeFailures, TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan ForgetAfter)
{
    /// <summary>Until when a name must wait after its <paramref name="failures"/>-th failure at <paramref name="now"/>: <see cref="DateTimeOffset.MinValue"/> while the failures are free.</summary>
    public DateTimeOffset WaitUntil(long failures, DateTimeOffset now)
    {
        if (failures < FreeFailures)
        {
            return DateTimeOffset.MinValue;
        }

        var doublings = Math.Min(failures - FreeFailures, 30);
        var delay = FirstDelay * Math.Pow(2, doublings);
        return now + (delay < MaxDelay ? delay : MaxDelay);
    }
}
