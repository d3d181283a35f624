using Tracevault.Server.Console;

namespace Tracevault.Server.Tests.Console;

/// <summary>The trace-id box's reading of a pasted id: X-Ray ids as they are, W3C ids in X-Ray's form, nothing else.</summary>
public sealed class TraceIdLookupTests
{
    [Theory]
    [InlineData("1-5759e988-bd862e3fe1be46a994272793", "1-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("  1-5759E988-BD862E3FE1BE46A994272793\n", "1-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("5759e988bd862e3fe1be46a994272793", "1-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("5759E988BD862E3FE1BE46A994272793", "1-5759e988-bd862e3fe1be46a994272793")]
    public void TryRead_XRayOrW3CId_GivesTheXRayForm(string pasted, string expected) =>
        Assert.Equal(expected, TraceIdLookup.TryRead(pasted));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5759e988bd862e3fe1be46a99427279")]
    [InlineData("5759e988bd862e3fe1be46a9942727933")]
    [InlineData("5759e988bd862e3fe1be46a99427279g")]
    [InlineData("1-5759e988-bd862e3fe1be46a99427279")]
    [InlineData("2-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("00-5759e988bd862e3fe1be46a994272793-0000000000000001-01")]
    public void TryRead_AnythingElse_IsNull(string? pasted) =>
        Assert.Null(TraceIdLookup.TryRead(pasted));
}
