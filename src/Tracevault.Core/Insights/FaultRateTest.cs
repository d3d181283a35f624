namespace Tracevault.Core.Insights;

/// <summary>The one-sided binomial test insights use: how likely a window's fault count is when each request faults at the baseline rate.</summary>
public static class FaultRateTest
{
    /// <summary>
    /// The baseline fault rate of <paramref name="faults"/> in <paramref name="requests"/>, with one fault and one success added
    /// (Laplace's rule), so a history without faults predicts a small rate rather than none.
    /// </summary>
    public static double BaselineRate(long requests, long faults)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        ArgumentOutOfRangeException.ThrowIfNegative(faults);
        return (faults + 1.0) / (requests + 2.0);
    }

    /// <summary>P(X ≥ <paramref name="faults"/>) for X ~ Binomial(<paramref name="requests"/>, <paramref name="rate"/>): the p-value of seeing that many faults or more.</summary>
    public static double UpperTail(long requests, long faults, double rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        if (rate is <= 0 or >= 1 || double.IsNaN(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be strictly between 0 and 1.");
        }

        if (faults <= 0)
        {
            return 1;
        }

        if (faults > requests)
        {
            return 0;
        }

        // log P(X = k) = log C(n, k) + k log p + (n - k) log(1 - p), C(n, k) as a product over the smaller of k and n - k.
        var n = requests;
        var k = faults;
        var logChoose = 0.0;
        var smaller = Math.Min(k, n - k);
        for (long i = 1; i <= smaller; i++)
        {
            logChoose += Math.Log((double)(n - smaller + i) / i);
        }

        var logFirst = logChoose + (k * Math.Log(rate)) + ((n - k) * double.LogP1(-rate));

        // The terms from k on, relative to the first: each is the previous times (n - j) / (j + 1) · p / (1 - p). Past the mean they
        // only fall, so the sum stops once a term no longer changes it.
        var odds = rate / (1 - rate);
        var mean = n * rate;
        double term = 1, sum = 1;
        for (var j = k; j < n; j++)
        {
            term *= (double)(n - j) / (j + 1) * odds;
            sum += term;
            if (j >= mean && term < sum * 1e-17)
            {
                break;
            }
        }

        return Math.Min(1, Math.Exp(logFirst + Math.Log(sum)));
    }
}
