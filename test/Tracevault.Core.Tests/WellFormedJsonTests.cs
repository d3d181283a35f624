using System.Text;

namespace Tracevault.Core.Tests;

public sealed class WellFormedJsonTests
{
    [Theory]
    [InlineData("""{"KeyId":"alias/a","Limit":10,"Tags":[{"TagKey":"k\u00e9"}]}""")]
    [InlineData("""{"s":"\ud83d\ude00 pair","\u00e9":null}""")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    public void FindProblem_WellFormed_ReturnsNull(string json)
    {
        Assert.Null(WellFormedJson.FindProblem(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void FindProblem_SurrogateEncodedAsUtf8InString_NamesTheByte()
    {
        byte[] body = [.. """{"KeyId":" """u8.TrimEnd((byte)' '), 0xed, 0xa0, 0x80, .. "\"}"u8];

        Assert.Equal("the text is not valid UTF-8 at byte 10", WellFormedJson.FindProblem(body));
    }

    [Theory]
    [InlineData("""{"KeyId":"\ud800"}""")]
    [InlineData("""{"KeyId":"a\udc00b"}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""{"a":[{"b":"\ud83dx"}]}""")]
    public void FindProblem_EscapedUnpairedSurrogate_SaysSo(string json)
    {
        Assert.Contains("unpaired surrogate", WellFormedJson.FindProblem(Encoding.UTF8.GetBytes(json)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("{} {}")]
    [InlineData("")]
    [InlineData("{\"a\":1,}")]
    public void FindProblem_NotOneJsonValue_ReturnsTheReadersReason(string json)
    {
        Assert.NotNull(WellFormedJson.FindProblem(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void FindProblem_NestedPastTheLimit_ReturnsProblem()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);

        Assert.Contains("depth", WellFormedJson.FindProblem(Encoding.UTF8.GetBytes(deep)), StringComparison.OrdinalIgnoreCase);
        Assert.Null(WellFormedJson.FindProblem(Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64))));
    }
}
