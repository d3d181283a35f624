using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

public sealed class ServiceIdTests
{
    [Fact]
    public void EqualIds_HashAlike_WhetherOrNotEitherWasHashedBefore()
    {
        var first = new ServiceId("orders", "AWS::EC2::Instance", "123456789012");
        var hashed = first.GetHashCode();
        var second = new ServiceId("orders", "AWS::EC2::Instance", "123456789012");

        Assert.Equal(first, second);
        Assert.Equal(hashed, second.GetHashCode());
        Assert.Equal(hashed, first.GetHashCode());
    }

    [Fact]
    public void With_AnotherName_HashesAsThatId_NotAsTheOneItWasMadeFrom()
    {
        var orders = new ServiceId("orders", "AWS::EC2::Instance", null);
        _ = orders.GetHashCode();

        var renamed = orders with { Name = "payments" };
        var retyped = orders with { Type = null };
        var moved = orders with { AccountId = "123456789012" };

        Assert.Equal(new ServiceId("payments", "AWS::EC2::Instance", null).GetHashCode(), renamed.GetHashCode());
        Assert.Equal(new ServiceId("orders", null, null).GetHashCode(), retyped.GetHashCode());
        Assert.Equal(new ServiceId("orders", "AWS::EC2::Instance", "123456789012").GetHashCode(), moved.GetHashCode());
        Assert.Equal(4, new HashSet<ServiceId> { orders, renamed, retyped, moved, new("payments", "AWS::EC2::Instance", null) }.Count);
    }
}
