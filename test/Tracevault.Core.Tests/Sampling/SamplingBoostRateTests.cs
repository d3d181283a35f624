using Tracevault.Core.Sampling;

namespace Tracevault.Core.Tests.Sampling;

public sealed class SamplingBoostRateTests
{
    private static readonly SamplingRateBoost UpToHalf = new(0.5, 5);

    [Fact]
    public void For_TenthOfRequestsAnomalous_GivesTheMaximum()
    {
        Assert.Equal(0.5, SamplingBoostRate.For(0.05, UpToHalf, anomalies: 10, sampledAnomalies: 0, total: 100));
    }

    [Fact]
    public void For_FewAnomalies_RaisesInProportion()
    {
        // 2 % anomalous is a fifth of the way to full boost: 0.05 + 0.45 / 5.
        Assert.Equal(0.14, SamplingBoostRate.For(0.05, UpToHalf, anomalies: 2, sampledAnomalies: 0, total: 100)!.Value, 10);
    }

    [Fact]
    public void For_EveryAnomalySampledAlready_GivesNoBoost()
    {
        Assert.Null(SamplingBoostRate.For(0.05, UpToHalf, anomalies: 3, sampledAnomalies: 3, total: 100));
    }

    [Fact]
    public void For_MaximumNotAboveFixedRate_GivesNoBoost()
    {
        Assert.Null(SamplingBoostRate.For(0.6, UpToHalf, anomalies: 30, sampledAnomalies: 0, total: 100));
    }

    [Fact]
    public void For_NoRequests_GivesNoBoost()
    {
        Assert.Null(SamplingBoostRate.For(0.05, UpToHalf, anomalies: 1, sampledAnomalies: 0, total: 0));
    }
}
