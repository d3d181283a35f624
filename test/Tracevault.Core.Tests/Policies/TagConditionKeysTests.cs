using Tracevault.Core.Policies;
using static Tracevault.Core.Tests.Policies.AuthorizationRequests;

namespace Tracevault.Core.Tests.Policies;

public class TagConditionKeysTests
{
    private const string GroupArn = "arn:aws:xray:us-east-1:111122223333:group/orders/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private static readonly KeyValuePair<string, string>[] TeamA = [KeyValuePair.Create("team", "a"), KeyValuePair.Create("stage", "prod")];

    private static PolicyDecision Decide(string condition, Dictionary<string, IReadOnlyList<string>> context, string action = "xray:UpdateGroup")
    {
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"{{action}}","Resource":"*","Condition":{{condition}}}]}""";
        return PolicyEvaluator.EvaluateIdentity([PolicyDocument.Parse(policy)], ForAlice(action, GroupArn, context));
    }

    [Fact]
    public void Context_ResourceTags_MatchStringEqualsOnTheirKeyOnly()
    {
        const string condition = """{"StringEquals":{"aws:ResourceTag/team":"a"}}""";

        Assert.Equal(PolicyDecision.Allow, Decide(condition, TagConditionKeys.Context(TeamA)));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(condition, TagConditionKeys.Context([KeyValuePair.Create("team", "b")])));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(condition, TagConditionKeys.Context([])));
        // The tags a request sets are not the resource's.
        Assert.Equal(PolicyDecision.NotApplicable, Decide(condition, TagConditionKeys.Context([], requestTags: TeamA)));
    }

    [Fact]
    public void Context_TagKeyInTheConditionKey_IgnoresCaseButValuesDoNot()
    {
        Assert.Equal(PolicyDecision.Allow, Decide("""{"StringEquals":{"aws:resourcetag/TEAM":"a"}}""", TagConditionKeys.Context(TeamA)));
        Assert.Equal(PolicyDecision.NotApplicable, Decide("""{"StringEquals":{"aws:ResourceTag/team":"A"}}""", TagConditionKeys.Context(TeamA)));
    }

    [Fact]
    public void Context_TwoTagsDifferingInCase_OneKeyWithBothValues()
    {
        var context = TagConditionKeys.Context([KeyValuePair.Create("Team", "x"), KeyValuePair.Create("team", "a")]);

        Assert.Equal(["x", "a"], context["aws:ResourceTag/team"]);
    }

    [Fact]
    public void Context_RequestTags_MatchRequestTagKeys()
    {
        const string condition = """{"StringEquals":{"aws:RequestTag/team":"a"}}""";

        Assert.Equal(PolicyDecision.Allow, Decide(condition, TagConditionKeys.Context([], requestTags: TeamA), "xray:TagResource"));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(condition, TagConditionKeys.Context(TeamA), "xray:TagResource"));
    }

    [Fact]
    public void Context_TagKeys_ForAllValuesAllowsOnlyListedKeysAndForAnyValueNeedsOne()
    {
        const string onlyTeam = """{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}""";
        const string someTeam = """{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}""";

        Assert.Equal(PolicyDecision.Allow, Decide(onlyTeam, TagConditionKeys.Context([], tagKeys: ["team", "team"])));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(onlyTeam, TagConditionKeys.Context([], tagKeys: ["team", "owner"])));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(onlyTeam, TagConditionKeys.Context([], tagKeys: ["Team"])));
        Assert.Equal(PolicyDecision.Allow, Decide(someTeam, TagConditionKeys.Context([], tagKeys: ["owner", "team"])));
        Assert.Equal(PolicyDecision.NotApplicable, Decide(someTeam, TagConditionKeys.Context([], tagKeys: ["owner"])));
        Assert.False(TagConditionKeys.Context([], tagKeys: []).ContainsKey("aws:TagKeys"));
    }
}
