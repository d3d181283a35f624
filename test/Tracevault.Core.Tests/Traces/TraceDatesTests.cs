using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

public sealed class TraceDatesTests
{
    // 2025-11-28T12:00:00Z.
    private const long Noon = 1_764_331_200;

    [Fact]
    public void Of_XRayIdMadeWhenItsTraceStarted_IsTheIdsTime()
    {
        Assert.Equal(Noon, TraceDates.Of($"1-{Noon:x8}-0123456789abcdef01234567", Noon + 0.75));
        Assert.Equal(Noon, TraceDates.Of($"1-{Noon:x8}-0123456789abcdef01234567", Noon + TraceDates.IdWindowSeconds));
        Assert.Equal(Noon, TraceDates.Of($"1-{Noon:x8}-0123456789abcdef01234567", Noon - 300.5));
    }

    [Theory]
    [InlineData("1-3aa19b6b-0123456789abcdef01234567")] // 2001
    [InlineData("1-ef4cc7c5-0123456789abcdef01234567")] // 2097
    [InlineData("1-00000000-0123456789abcdef01234567")]
    public void Of_RandomW3CId_IsTheEarliestStartSecond(string traceId) =>
        Assert.Equal(Noon + 12, TraceDates.Of(traceId, Noon + 12.9));

    [Fact]
    public void Of_IdMoreThanADayFromItsSpans_IsTheirStart()
    {
        Assert.Equal(Noon + TraceDates.IdWindowSeconds + 1, TraceDates.Of($"1-{Noon:x8}-0123456789abcdef01234567", Noon + TraceDates.IdWindowSeconds + 1));
        Assert.Equal(Noon - TraceDates.IdWindowSeconds - 1, TraceDates.Of($"1-{Noon:x8}-0123456789abcdef01234567", Noon - TraceDates.IdWindowSeconds - 1));
    }
}
