namespace Tracevault.Core.Traces;

/// <summary>Arithmetic on epoch-second timestamps as segment documents carry them.</summary>
internal static class EpochSeconds
{
    /// <summary>The seconds between two timestamps, rounded to the microsecond so that a double's noise at epoch scale (about 0.2 µs) does not show.</summary>
    public static double Elapsed(double start, double end) => Math.Round(end - start, 6);
}
