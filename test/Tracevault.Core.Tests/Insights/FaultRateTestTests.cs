using Tracevault.Core.Insights;

namespace Tracevault.Core.Tests.Insights;

public sealed class FaultRateTestTests
{
    [Theory]
    [InlineData(10, 8, 0.5, 0.0546875)]
    [InlineData(20, 5, 0.1, 0.043174495284463404)]
    [InlineData(40, 5, 0.025, 0.00310037667346533)]
    [InlineData(1000, 30, 0.02, 0.02069651867323916)]
    public void UpperTail_KnownBinomialTails_MatchTheExactSums(long requests, long faults, double rate, double expected) =>
        Assert.Equal(expected, FaultRateTest.UpperTail(requests, faults, rate), expected * 1e-9);

    [Fact]
    public void UpperTail_FarInTheTail_IsTinyButNotZero()
    {
        var p = FaultRateTest.UpperTail(40, 20, 13.0 / 482);
        Assert.Equal(3.399597399785925e-21, p, 1e-29);
    }

    [Fact]
    public void UpperTail_NoFaultsOrMoreFaultsThanRequests_IsOneOrZero()
    {
        Assert.Equal(1, FaultRateTest.UpperTail(50, 0, 0.1));
        Assert.Equal(0, FaultRateTest.UpperTail(5, 6, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultRateTest.UpperTail(5, 1, 0));
    }

    [Fact]
    public void UpperTail_ManyRequests_StaysQuickAndBounded()
    {
        // 820 faults where 800 are expected (standard deviation 28) is ordinary.
        Assert.Equal(0.24, FaultRateTest.UpperTail(2_000_000, 820, 0.0004), 0.01);
    }

    [Fact]
    public void BaselineRate_NoFaults_IsSmallButNotZero() =>
        Assert.Equal(1.0 / 102, FaultRateTest.BaselineRate(100, 0));
}
