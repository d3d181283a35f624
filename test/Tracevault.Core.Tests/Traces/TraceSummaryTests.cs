using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

public sealed class TraceSummaryTests
{
    private static readonly ServiceId Api = new("api", "AWS::ApiGateway::Stage", "123456789012");
    private static readonly ServiceId Orders = new("orders", "AWS::EC2::Instance", "123456789012");
    private static readonly ServiceId Payments = new("payments.example.com", "remote", null);
    private static readonly ServiceId Table = new("orders-table", "AWS::DynamoDB::Table", null);

    [Fact]
    public void From_ThreeServiceTrace_FillsTimesFlagsAndHttp()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceA);

        Assert.Equal(TraceCorpus.A, summary.Id);
        Assert.Equal(1717239600.0, summary.StartTime);
        Assert.Equal(1.5, summary.Duration);
        Assert.Equal(1.5, summary.ResponseTime);
        Assert.True(summary.HasFault);
        Assert.False(summary.HasError);
        Assert.False(summary.HasThrottle);
        Assert.False(summary.IsPartial);
        Assert.Equal(new TraceHttp("https://api.example.com/orders/42", 500, "POST", "curl/8.0", "203.0.113.7"), summary.Http);
        Assert.Equal(4, summary.Revision);
        Assert.Null(summary.MatchedEventTime);
    }

    [Fact]
    public void From_ThreeServiceTrace_CollectsAnnotationsWithTheirServices()
    {
        var annotations = TraceSummary.From(TraceCorpus.TraceA).Annotations;

        Assert.Equal(["customer", "paid", "amount"], annotations.Keys);
        var customer = Assert.Single(annotations["customer"]);
        Assert.Equal("c7", customer.AnnotationValue.StringValue);
        Assert.Equal([Api, Orders], customer.ServiceIds);
        var paid = Assert.Single(annotations["paid"]);
        Assert.Equal(AnnotationValue.FromBoolean(true), paid.AnnotationValue);
        Assert.Equal([Api], paid.ServiceIds);
        var amount = Assert.Single(annotations["amount"]);
        Assert.Equal(12.5, amount.AnnotationValue.NumberValue);
        Assert.Equal([Orders], amount.ServiceIds);
    }

    [Fact]
    public void From_ThreeServiceTrace_ListsUsersServicesAndResources()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceA);

        var user = Assert.Single(summary.Users);
        Assert.Equal("alice", user.UserName);
        Assert.Equal([Api, Orders], user.ServiceIds);
        Assert.Equal([Api, Orders, Table, Payments], summary.ServiceIds);
        Assert.Equal(Api, summary.EntryPoint);
        Assert.Equal(["arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod"], summary.ResourceARNs);
        Assert.Equal(["i-0abc"], summary.InstanceIds);
        Assert.Equal(["us-east-1a"], summary.AvailabilityZones);
    }

    [Fact]
    public void From_FaultBehindTwoServices_RootCauseFollowsThePathToTheInferredService()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceA);

        var cause = Assert.Single(summary.FaultRootCauses);
        Assert.True(cause.ClientImpacting);
        Assert.Equal([Api, Orders, Payments], cause.Services.Select(s => s.Id));
        Assert.Equal([false, false, true], cause.Services.Select(s => s.Inferred));
        Assert.Equal(["api", "orders"], cause.Services[0].EntityPath.Select(e => e.Name));
        Assert.Equal([false, true], cause.Services[0].EntityPath.Select(e => e.Remote));
        var ordersPath = cause.Services[1].EntityPath;
        Assert.Equal(["orders", "payments.example.com"], ordersPath.Select(e => e.Name));
        Assert.Equal(new RootCauseException("PaymentException", "payment failed"), Assert.Single(ordersPath[0].Exceptions));
        Assert.Equal(new RootCauseException("HttpError", "Service Unavailable"), Assert.Single(ordersPath[1].Exceptions));
        Assert.Empty(summary.ErrorRootCauses);
    }

    [Fact]
    public void From_HandledErrorDownstream_ErrorRootCauseDoesNotImpactTheClient()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceE);

        Assert.False(summary.HasError);
        Assert.Empty(summary.FaultRootCauses);
        var cause = Assert.Single(summary.ErrorRootCauses);
        Assert.False(cause.ClientImpacting);
        Assert.Equal(["api", "orders", "orders-table"], cause.Services.Select(s => s.Id.Name));
        var failing = cause.Services[1].EntityPath[^1];
        Assert.Equal("DynamoDB", failing.Name);
        Assert.Equal("ConditionalCheckFailedException", Assert.Single(failing.Exceptions).Name);
    }

    [Fact]
    public void From_ThrottledRoot_HasErrorAndThrottle()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceC);

        Assert.True(summary.HasError);
        Assert.True(summary.HasThrottle);
        Assert.False(summary.HasFault);
        Assert.Equal(0.05, summary.ResponseTime);
        Assert.True(Assert.Single(summary.ErrorRootCauses).ClientImpacting);
    }

    [Fact]
    public void From_PartialTrace_HasNoResponseTime()
    {
        var summary = TraceSummary.From(TraceCorpus.TraceD);

        Assert.True(summary.IsPartial);
        Assert.Null(summary.ResponseTime);
        Assert.Equal(0.9, summary.Duration);
        Assert.Null(summary.Http?.HttpStatus);
        Assert.Empty(summary.Users);
    }
}
