using Tracevault.Core.Policies;
using static Tracevault.Core.Tests.Policies.AuthorizationRequests;

namespace Tracevault.Core.Tests.Policies;

public class PolicyConditionTests
{
    private const string Key = "tv:TestKey";

    /// <summary>Evaluates an Allow statement with <paramref name="condition"/> for a request whose <see cref="Key"/> has the '|'-separated <paramref name="requestValues"/> (absent when null).</summary>
    private static bool Holds(string condition, string? requestValues)
    {
        var policy = PolicyDocument.Parse($$$"""{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{{{condition}}}}}""");
        var context = requestValues is null ? [] : Context(Key, requestValues.Split('|'));
        return PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Encrypt", KeyArn, context)) == PolicyDecision.Allow;
    }

    private static void AssertHolds(string condition, string? requestValues, bool expected) =>
        Assert.True(Holds(condition, requestValues) == expected, $"{condition} with {requestValues ?? "(absent)"} should be {expected}.");

    [Theory]
    [InlineData("""{"StringEquals":{"tv:TestKey":"alpha"}}""", "alpha", true)]
    [InlineData("""{"StringEquals":{"tv:TestKey":"alpha"}}""", "Alpha", false)]
    [InlineData("""{"StringEquals":{"tv:TestKey":"alpha"}}""", "beta", false)]
    [InlineData("""{"StringEquals":{"tv:TestKey":"alpha"}}""", null, false)]
    [InlineData("""{"StringEquals":{"tv:TestKey":["alpha","beta"]}}""", "beta", true)]
    [InlineData("""{"StringEquals":{"tv:TestKey":"alpha"}}""", "beta|alpha", true)]
    [InlineData("""{"StringNotEquals":{"tv:TestKey":"alpha"}}""", "beta", true)]
    [InlineData("""{"StringNotEquals":{"tv:TestKey":"alpha"}}""", "alpha", false)]
    [InlineData("""{"StringNotEquals":{"tv:TestKey":["alpha","beta"]}}""", "beta", false)]
    [InlineData("""{"StringNotEquals":{"tv:TestKey":"alpha"}}""", "beta|alpha", false)]
    [InlineData("""{"StringNotEquals":{"tv:TestKey":"alpha"}}""", null, true)]
    [InlineData("""{"StringEqualsIgnoreCase":{"tv:TestKey":"alpha"}}""", "ALPHA", true)]
    [InlineData("""{"StringEqualsIgnoreCase":{"tv:TestKey":"alpha"}}""", "beta", false)]
    [InlineData("""{"StringNotEqualsIgnoreCase":{"tv:TestKey":"alpha"}}""", "ALPHA", false)]
    [InlineData("""{"StringNotEqualsIgnoreCase":{"tv:TestKey":"alpha"}}""", "beta", true)]
    [InlineData("""{"StringLike":{"tv:TestKey":"arn:aws:xray:*:111122223333:*"}}""", "arn:aws:xray:us-east-1:111122223333:group/Default", true)]
    [InlineData("""{"StringLike":{"tv:TestKey":"arn:aws:xray:*:111122223333:*"}}""", "arn:aws:xray:us-east-1:444455556666:group/Default", false)]
    [InlineData("""{"StringLike":{"tv:TestKey":"a?c"}}""", "abc", true)]
    [InlineData("""{"StringLike":{"tv:TestKey":"a?c"}}""", "ABC", false)]
    [InlineData("""{"StringLike":{"tv:TestKey":"a?c"}}""", "abbc", false)]
    [InlineData("""{"StringNotLike":{"tv:TestKey":"prod-*"}}""", "dev-1", true)]
    [InlineData("""{"StringNotLike":{"tv:TestKey":"prod-*"}}""", "prod-1", false)]
    [InlineData("""{"StringNotLike":{"tv:TestKey":"prod-*"}}""", null, true)]
    [InlineData("""{"StringEqualsIfExists":{"tv:TestKey":"alpha"}}""", null, true)]
    [InlineData("""{"StringEqualsIfExists":{"tv:TestKey":"alpha"}}""", "beta", false)]
    [InlineData("""{"StringLikeIfExists":{"tv:TestKey":"al*"}}""", "alpha", true)]
    public void EvaluateIdentity_StringOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"NumericEquals":{"tv:TestKey":5}}""", "5", true)]
    [InlineData("""{"NumericEquals":{"tv:TestKey":"5"}}""", "5.0", true)]
    [InlineData("""{"NumericEquals":{"tv:TestKey":5}}""", "6", false)]
    [InlineData("""{"NumericEquals":{"tv:TestKey":5}}""", "five", false)]
    [InlineData("""{"NumericEquals":{"tv:TestKey":5}}""", null, false)]
    [InlineData("""{"NumericNotEquals":{"tv:TestKey":5}}""", "6", true)]
    [InlineData("""{"NumericNotEquals":{"tv:TestKey":5}}""", "5", false)]
    [InlineData("""{"NumericNotEquals":{"tv:TestKey":5}}""", null, true)]
    [InlineData("""{"NumericLessThan":{"tv:TestKey":5}}""", "4", true)]
    [InlineData("""{"NumericLessThan":{"tv:TestKey":5}}""", "5", false)]
    [InlineData("""{"NumericLessThan":{"tv:TestKey":1.5}}""", "1.25", true)]
    [InlineData("""{"NumericLessThan":{"tv:TestKey":5}}""", "-10", true)]
    [InlineData("""{"NumericLessThanEquals":{"tv:TestKey":5}}""", "5", true)]
    [InlineData("""{"NumericLessThanEquals":{"tv:TestKey":5}}""", "6", false)]
    [InlineData("""{"NumericGreaterThan":{"tv:TestKey":5}}""", "6", true)]
    [InlineData("""{"NumericGreaterThan":{"tv:TestKey":5}}""", "5", false)]
    [InlineData("""{"NumericGreaterThanEquals":{"tv:TestKey":5}}""", "5", true)]
    [InlineData("""{"NumericGreaterThanEquals":{"tv:TestKey":5}}""", "4", false)]
    [InlineData("""{"NumericLessThanIfExists":{"tv:TestKey":5}}""", null, true)]
    [InlineData("""{"NumericLessThanIfExists":{"tv:TestKey":5}}""", "7", false)]
    public void EvaluateIdentity_NumericOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2024-12-31T23:59:59Z", true)]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2025-01-01T00:00:00Z", false)]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "1735689599", true)]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "1735689600", false)]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "not a date", false)]
    [InlineData("""{"DateLessThan":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", null, false)]
    [InlineData("""{"DateLessThanEquals":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2025-01-01T00:00:00Z", true)]
    [InlineData("""{"DateGreaterThan":{"tv:TestKey":1735689600}}""", "2025-01-01T00:00:01Z", true)]
    [InlineData("""{"DateGreaterThan":{"tv:TestKey":1735689600}}""", "2025-01-01T00:00:00Z", false)]
    [InlineData("""{"DateGreaterThanEquals":{"tv:TestKey":"2025-01-01"}}""", "2025-01-01T00:00:00Z", true)]
    [InlineData("""{"DateGreaterThanEquals":{"tv:TestKey":"2025-01-01"}}""", "2024-12-31T23:59:59Z", false)]
    [InlineData("""{"DateEquals":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2025-01-01T01:00:00+01:00", true)]
    [InlineData("""{"DateEquals":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2025-01-01T00:00:00.001Z", false)]
    [InlineData("""{"DateNotEquals":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "2025-01-02T00:00:00Z", true)]
    [InlineData("""{"DateNotEquals":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", "1735689600", false)]
    [InlineData("""{"DateLessThanIfExists":{"tv:TestKey":"2025-01-01T00:00:00Z"}}""", null, true)]
    public void EvaluateIdentity_DateOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"Bool":{"tv:TestKey":"true"}}""", "true", true)]
    [InlineData("""{"Bool":{"tv:TestKey":true}}""", "TRUE", true)]
    [InlineData("""{"Bool":{"tv:TestKey":"true"}}""", "false", false)]
    [InlineData("""{"Bool":{"tv:TestKey":"true"}}""", "yes", false)]
    [InlineData("""{"Bool":{"tv:TestKey":"true"}}""", null, false)]
    [InlineData("""{"Bool":{"tv:TestKey":"false"}}""", "false", true)]
    [InlineData("""{"BoolIfExists":{"tv:TestKey":"false"}}""", null, true)]
    [InlineData("""{"BoolIfExists":{"tv:TestKey":"false"}}""", "true", false)]
    [InlineData("""{"BinaryEquals":{"tv:TestKey":"AQID"}}""", "AQID", true)]
    [InlineData("""{"BinaryEquals":{"tv:TestKey":"AQID"}}""", "AQIE", false)]
    [InlineData("""{"BinaryEquals":{"tv:TestKey":"AQID"}}""", "not base64!", false)]
    [InlineData("""{"BinaryEquals":{"tv:TestKey":"AQID"}}""", null, false)]
    public void EvaluateIdentity_BoolAndBinaryOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.0/24"}}""", "203.0.113.7", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.0/24"}}""", "203.0.114.1", false)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.0/24"}}""", "::ffff:203.0.113.7", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.0/24"}}""", "not an address", false)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.0/24"}}""", null, false)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.7"}}""", "203.0.113.7", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.7"}}""", "203.0.113.8", false)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"203.0.113.7/24"}}""", "203.0.113.200", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":"0.0.0.0/0"}}""", "192.0.2.1", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":["10.0.0.0/8","2001:db8::/32"]}}""", "2001:db8:1::1", true)]
    [InlineData("""{"IpAddress":{"tv:TestKey":["10.0.0.0/8","2001:db8::/32"]}}""", "2001:db9::1", false)]
    [InlineData("""{"IpAddress":{"tv:TestKey":["10.0.0.0/8","2001:db8::/32"]}}""", "10.200.0.1", true)]
    [InlineData("""{"NotIpAddress":{"tv:TestKey":"10.0.0.0/8"}}""", "192.0.2.1", true)]
    [InlineData("""{"NotIpAddress":{"tv:TestKey":"10.0.0.0/8"}}""", "10.1.2.3", false)]
    [InlineData("""{"NotIpAddress":{"tv:TestKey":"10.0.0.0/8"}}""", null, true)]
    [InlineData("""{"NotIpAddressIfExists":{"tv:TestKey":"10.0.0.0/8"}}""", "10.1.2.3", false)]
    public void EvaluateIdentity_IpAddressOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"ArnEquals":{"tv:TestKey":"arn:aws:iam::111122223333:user/alice"}}""", "arn:aws:iam::111122223333:user/alice", true)]
    [InlineData("""{"ArnEquals":{"tv:TestKey":"arn:aws:iam::111122223333:user/alice"}}""", "arn:aws:iam::111122223333:user/alice2", false)]
    [InlineData("""{"ArnEquals":{"tv:TestKey":"arn:aws:iam::*:user/alice"}}""", "arn:aws:iam::444455556666:user/alice", true)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:xray:*:111122223333:*"}}""", "arn:aws:xray:us-east-1:111122223333:group/a:b", true)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:xray:*:111122223333:group/*"}}""", "arn:aws:xray:us-east-1:x:111122223333:group/a", false)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:iam::*:user/*"}}""", "arn:aws:iam::444455556666:user/mallory", true)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:iam::*:user/*"}}""", "arn:aws:iam::444455556666:role/admin", false)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:iam::*:user/*"}}""", "alice", false)]
    [InlineData("""{"ArnLike":{"tv:TestKey":"arn:aws:iam::*:user/*"}}""", null, false)]
    [InlineData("""{"ArnNotEquals":{"tv:TestKey":"arn:aws:iam::111122223333:user/alice"}}""", "arn:aws:iam::111122223333:user/bob", true)]
    [InlineData("""{"ArnNotEquals":{"tv:TestKey":"arn:aws:iam::111122223333:user/alice"}}""", "arn:aws:iam::111122223333:user/alice", false)]
    [InlineData("""{"ArnNotLike":{"tv:TestKey":"arn:aws:iam::111122223333:*"}}""", "arn:aws:iam::444455556666:user/mallory", true)]
    [InlineData("""{"ArnNotLike":{"tv:TestKey":"arn:aws:iam::111122223333:*"}}""", null, true)]
    [InlineData("""{"ArnLikeIfExists":{"tv:TestKey":"arn:aws:iam::111122223333:*"}}""", null, true)]
    public void EvaluateIdentity_ArnOperator_HoldsAsExpected(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"Null":{"tv:TestKey":"true"}}""", null, true)]
    [InlineData("""{"Null":{"tv:TestKey":"true"}}""", "alpha", false)]
    [InlineData("""{"Null":{"tv:TestKey":true}}""", null, true)]
    [InlineData("""{"Null":{"tv:TestKey":"false"}}""", "alpha", true)]
    [InlineData("""{"Null":{"tv:TestKey":"false"}}""", null, false)]
    public void EvaluateIdentity_NullOperator_ChecksPresence(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Theory]
    [InlineData("""{"ForAnyValue:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", "gamma|beta", true)]
    [InlineData("""{"ForAnyValue:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", "gamma|delta", false)]
    [InlineData("""{"ForAnyValue:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", null, false)]
    [InlineData("""{"ForAnyValue:StringEqualsIfExists":{"tv:TestKey":["alpha","beta"]}}""", null, true)]
    [InlineData("""{"ForAnyValue:StringNotEquals":{"tv:TestKey":"alpha"}}""", "alpha|gamma", true)]
    [InlineData("""{"ForAnyValue:StringNotEquals":{"tv:TestKey":"alpha"}}""", "alpha", false)]
    [InlineData("""{"ForAnyValue:StringLike":{"tv:TestKey":"aws:*"}}""", "tv:name|aws:xray:arn", true)]
    [InlineData("""{"ForAllValues:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", "alpha|beta", true)]
    [InlineData("""{"ForAllValues:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", "alpha|gamma", false)]
    [InlineData("""{"ForAllValues:StringEquals":{"tv:TestKey":["alpha","beta"]}}""", null, true)]
    [InlineData("""{"ForAllValues:StringNotEquals":{"tv:TestKey":["alpha","beta"]}}""", "gamma|delta", true)]
    [InlineData("""{"ForAllValues:StringNotEquals":{"tv:TestKey":["alpha","beta"]}}""", "gamma|alpha", false)]
    [InlineData("""{"ForAllValues:StringLike":{"tv:TestKey":"aws:*"}}""", "aws:xray:arn|aws:region", true)]
    [InlineData("""{"ForAllValues:StringLike":{"tv:TestKey":"aws:*"}}""", "aws:xray:arn|tv:name", false)]
    [InlineData("""{"ForAllValues:NumericLessThan":{"tv:TestKey":10}}""", "1|2|9", true)]
    [InlineData("""{"ForAnyValue:IpAddress":{"tv:TestKey":"10.0.0.0/8"}}""", "192.0.2.1|10.0.0.1", true)]
    public void EvaluateIdentity_SetOperator_CombinesRequestValues(string condition, string? requestValues, bool expected) =>
        AssertHolds(condition, requestValues, expected);

    [Fact]
    public void EvaluateIdentity_KeyPresentWithNoValues_CountsAsAbsent()
    {
        var policy = PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"Null":{"tv:TestKey":"true"}}}}""");
        var request = ForAlice("kms:Encrypt", KeyArn, new() { [Key] = [] });

        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity([policy], request));
    }

    [Fact]
    public void EvaluateIdentity_SeveralOperatorsAndKeys_AllMustHold()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{
              "StringEquals":{"kms:ViaService":"xray.us-east-1.amazonaws.com","kms:CallerAccount":"111122223333"},
              "StringLike":{"kms:EncryptionContext:aws:xray:arn":"arn:aws:xray:us-east-1:111122223333:*"}}}}
            """);
        Dictionary<string, IReadOnlyList<string>> complete = new()
        {
            ["kms:ViaService"] = ["xray.us-east-1.amazonaws.com"],
            ["kms:CallerAccount"] = [Account],
            ["kms:EncryptionContext:aws:xray:arn"] = ["arn:aws:xray:us-east-1:111122223333:group/Default"],
        };
        var wrongAccount = new Dictionary<string, IReadOnlyList<string>>(complete) { ["kms:CallerAccount"] = [OtherAccount] };
        var noContext = new Dictionary<string, IReadOnlyList<string>>(complete);
        noContext.Remove("kms:EncryptionContext:aws:xray:arn");

        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Decrypt", KeyArn, complete)));
        Assert.Equal(PolicyDecision.NotApplicable, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Decrypt", KeyArn, wrongAccount)));
        Assert.Equal(PolicyDecision.NotApplicable, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Decrypt", KeyArn, noContext)));
    }

    [Fact]
    public void EvaluateIdentity_DenyWithNotIpAddress_DeniesOutsideTheNetwork()
    {
        var policies = new[]
        {
            PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Action":"xray:*","Resource":"*"}}"""),
            PolicyDocument.Parse("""{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}}"""),
        };

        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity(policies, ForAlice("xray:GetTraceSummaries", "*", Context("aws:SourceIp", "192.0.2.10"))));
        Assert.Equal(PolicyDecision.Deny, PolicyEvaluator.EvaluateIdentity(policies, ForAlice("xray:GetTraceSummaries", "*", Context("aws:SourceIp", "198.51.100.1"))));
    }

    [Fact]
    public void EvaluateIdentity_ContextKeyInOtherCase_IsFound()
    {
        var policy = PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:aws:xray:arn":"arn:aws:xray:us-east-1:111122223333:group/Default"}}}}""");
        var ordinalContext = Context("KMS:encryptioncontext:AWS:XRAY:ARN", "arn:aws:xray:us-east-1:111122223333:group/Default");
        var ignoreCaseContext = new Dictionary<string, IReadOnlyList<string>>(ordinalContext, StringComparer.OrdinalIgnoreCase);

        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Encrypt", KeyArn, ordinalContext)));
        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Encrypt", KeyArn, ignoreCaseContext)));
    }

    [Fact]
    public void EvaluateIdentity_ConditionValueIsCaseSensitive_ButKeyIsNot()
    {
        var policy = PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"AWS:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}}""");

        Assert.Equal(PolicyDecision.Allow, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Encrypt", KeyArn, Context("aws:PrincipalArn", AliceArn))));
        Assert.Equal(PolicyDecision.NotApplicable, PolicyEvaluator.EvaluateIdentity([policy], ForAlice("kms:Encrypt", KeyArn, Context("aws:PrincipalArn", "arn:aws:iam::111122223333:user/ALICE"))));
    }
}
