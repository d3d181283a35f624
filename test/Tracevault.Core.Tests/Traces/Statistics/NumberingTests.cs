using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Tests.Traces.Statistics;

public sealed class NumberingTests
{
    [Fact]
    public void NumberOf_NumbersInTheOrderFirstMet_AfterTheValuesGivenFirst()
    {
        var numbering = new Numbering<string>(["a", "b", "a"]);

        Assert.Equal(2, numbering.NumberOf("c"));
        Assert.Equal(1, numbering.NumberOf("b"));
        Assert.Equal(2, numbering.NumberOf("c"));
        Assert.Equal(["a", "b", "c"], numbering.Values);
        Assert.Equal(0, numbering.Find("a"));
        Assert.Equal(-1, numbering.Find("d"));
        Assert.Equal(3, numbering.Count);
    }
}
