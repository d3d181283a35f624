using Tracevault.Core.Sampling;

namespace Tracevault.Core.Tests.Sampling;

public sealed class ReservoirSplitTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbb";
    private const string C = "cccccccccccccccccccccccc";

    [Fact]
    public void Split_DemandThreeToOne_GivesSixAndTwoOfEight()
    {
        var quotas = ReservoirSplit.Split(8, [(A, 300), (B, 100)]);

        Assert.Equal(6, quotas[A]);
        Assert.Equal(2, quotas[B]);
    }

    [Fact]
    public void Split_OneClient_GetsTheWholeReservoir()
    {
        Assert.Equal(5, ReservoirSplit.Split(5, [(A, 1)])[A]);
    }

    [Fact]
    public void Split_EqualDemandNotDividingEvenly_AddsUpToTheReservoir_LeftoverToTheLowestIds()
    {
        var quotas = ReservoirSplit.Split(8, [(C, 10), (A, 10), (B, 10)]);

        Assert.Equal(8, quotas.Values.Sum());
        Assert.Equal(3, quotas[A]);
        Assert.Equal(3, quotas[B]);
        Assert.Equal(2, quotas[C]);
    }

    [Fact]
    public void Split_LeftoverGoesToTheLargestFraction_NotToTheLargestDemand()
    {
        // Exact shares of 10 at demand 57:29:14 are 5.7, 2.9 and 1.4: floors 5, 2, 1 and two left, for the .9 and the .7.
        var quotas = ReservoirSplit.Split(10, [(A, 57), (B, 29), (C, 14)]);

        Assert.Equal(6, quotas[A]);
        Assert.Equal(3, quotas[B]);
        Assert.Equal(1, quotas[C]);
    }

    [Fact]
    public void Split_ClientWithoutDemand_GetsNothingWhileOthersHaveDemand()
    {
        var quotas = ReservoirSplit.Split(4, [(A, 0), (B, 7)]);

        Assert.Equal(0, quotas[A]);
        Assert.Equal(4, quotas[B]);
    }

    [Fact]
    public void Split_NoDemandAnywhere_SplitsEvenly()
    {
        var quotas = ReservoirSplit.Split(4, [(A, 0), (B, 0)]);

        Assert.Equal(2, quotas[A]);
        Assert.Equal(2, quotas[B]);
    }

    [Fact]
    public void Split_SameClientTwice_CountsItsLastDemand()
    {
        var quotas = ReservoirSplit.Split(4, [(A, 100), (B, 100), (A, 300)]);

        Assert.Equal(3, quotas[A]);
        Assert.Equal(1, quotas[B]);
    }

    [Fact]
    public void Split_HugeDemandsAndReservoir_DoNotOverflow()
    {
        var quotas = ReservoirSplit.Split(int.MaxValue, [(A, long.MaxValue), (B, long.MaxValue)]);

        Assert.Equal((long)int.MaxValue, quotas.Values.Sum(q => (long)q));
    }

    [Fact]
    public void Split_ZeroReservoir_GivesEveryoneZero()
    {
        Assert.All(ReservoirSplit.Split(0, [(A, 3), (B, 1)]).Values, q => Assert.Equal(0, q));
    }

    [Fact]
    public void Split_NoClients_IsEmpty()
    {
        Assert.Empty(ReservoirSplit.Split(8, []));
    }
}
