using Tracevault.Core.Policies;
using static Tracevault.Core.Tests.Policies.AuthorizationRequests;

namespace Tracevault.Core.Tests.Policies;

public class PolicyEvaluatorTests
{
    private const string KmsDefaultKeyPolicy = """
        {"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}
        """;

    private static PolicyDecision Identity(string action, string resource, params string[] policies) =>
        PolicyEvaluator.EvaluateIdentity(policies.Select(PolicyDocument.Parse), ForAlice(action, resource));

    private static string Statement(string effect, string action, string resource) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"{{effect}}","Action":"{{action}}","Resource":"{{resource}}"}]}""";

    [Fact]
    public void EvaluateIdentity_AllowMatches_Allows()
    {
        Assert.Equal(PolicyDecision.Allow, Identity("kms:Encrypt", KeyArn, Statement("Allow", "kms:Encrypt", KeyArn)));
    }

    [Fact]
    public void EvaluateIdentity_NoPolicies_NotApplicable()
    {
        Assert.Equal(PolicyDecision.NotApplicable, Identity("kms:Encrypt", KeyArn));
    }

    [Fact]
    public void EvaluateIdentity_OtherActionOnly_NotApplicable()
    {
        Assert.Equal(PolicyDecision.NotApplicable, Identity("kms:Decrypt", KeyArn, Statement("Allow", "kms:Encrypt", KeyArn)));
    }

    [Fact]
    public void EvaluateIdentity_DenyInSameDocumentAfterAllow_Denies()
    {
        var policy = """
            {"Statement":[
              {"Effect":"Allow","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
            """;

        Assert.Equal(PolicyDecision.Deny, Identity("kms:ScheduleKeyDeletion", KeyArn, policy));
        Assert.Equal(PolicyDecision.Allow, Identity("kms:Encrypt", KeyArn, policy));
    }

    [Fact]
    public void EvaluateIdentity_DenyInOtherDocument_BeatsAllow()
    {
        var decision = Identity("xray:PutTraceSegments", "*",
            Statement("Allow", "xray:*", "*"),
            Statement("Deny", "xray:PutTraceSegments", "*"));

        Assert.Equal(PolicyDecision.Deny, decision);
    }

    [Theory]
    [InlineData("*", "xray:GetTraceSummaries", true)]
    [InlineData("xray:*", "xray:GetTraceSummaries", true)]
    [InlineData("xray:*", "kms:Encrypt", false)]
    [InlineData("kms:Generate*", "kms:GenerateDataKey", true)]
    [InlineData("kms:Generate*", "kms:GenerateDataKeyWithoutPlaintext", true)]
    [InlineData("kms:Generate*", "kms:Encrypt", false)]
    [InlineData("kms:*DataKey*", "kms:GenerateDataKeyPair", true)]
    [InlineData("kms:*DataKey", "kms:GenerateDataKeyPair", false)]
    [InlineData("kms:?ncrypt", "kms:Encrypt", true)]
    [InlineData("kms:?ncrypt", "kms:ReEncrypt", false)]
    [InlineData("kms:encrypt", "kms:Encrypt", true)]
    [InlineData("KMS:ENCRYPT", "kms:Encrypt", true)]
    [InlineData("kms:re*crypt*", "kms:ReEncryptFrom", true)]
    [InlineData("xray:Get*Summaries", "xray:GetTraceSummaries", true)]
    [InlineData("xray:Get*Summaries", "xray:GetTraceSummariesX", false)]
    public void EvaluateIdentity_ActionWildcard_MatchesCaseInsensitively(string pattern, string action, bool allowed)
    {
        var decision = Identity(action, "*", Statement("Allow", pattern, "*"));

        Assert.Equal(allowed ? PolicyDecision.Allow : PolicyDecision.NotApplicable, decision);
    }

    [Theory]
    [InlineData("*", KeyArn, true)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/*", KeyArn, true)]
    [InlineData("arn:aws:kms:*:111122223333:key/*", KeyArn, true)]
    [InlineData("arn:aws:kms:us-west-2:111122223333:key/*", KeyArn, false)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890a?", KeyArn, true)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234ABCD-12AB-34CD-56EF-1234567890AB", KeyArn, false)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:alias/*", KeyArn, false)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", KeyArn, true)]
    public void EvaluateIdentity_ResourceWildcard_MatchesCaseSensitively(string pattern, string resource, bool allowed)
    {
        var decision = Identity("kms:Encrypt", resource, Statement("Allow", "kms:Encrypt", pattern));

        Assert.Equal(allowed ? PolicyDecision.Allow : PolicyDecision.NotApplicable, decision);
    }

    [Fact]
    public void EvaluateIdentity_NotAction_AllowsEverythingElse()
    {
        var policy = """{"Statement":{"Effect":"Allow","NotAction":["kms:ScheduleKeyDeletion","kms:Disable*"],"Resource":"*"}}""";

        Assert.Equal(PolicyDecision.Allow, Identity("kms:Encrypt", KeyArn, policy));
        Assert.Equal(PolicyDecision.Allow, Identity("xray:GetTraceSummaries", "*", policy));
        Assert.Equal(PolicyDecision.NotApplicable, Identity("kms:ScheduleKeyDeletion", KeyArn, policy));
        Assert.Equal(PolicyDecision.NotApplicable, Identity("kms:DisableKey", KeyArn, policy));
    }

    [Fact]
    public void EvaluateIdentity_DenyWithNotAction_DeniesEverythingElse()
    {
        var decision = Identity("kms:Encrypt", KeyArn,
            Statement("Allow", "*", "*"),
            """{"Statement":{"Effect":"Deny","NotAction":"xray:*","Resource":"*"}}""");

        Assert.Equal(PolicyDecision.Deny, decision);
        Assert.Equal(PolicyDecision.Allow, Identity("xray:PutTraceSegments", "*",
            Statement("Allow", "*", "*"),
            """{"Statement":{"Effect":"Deny","NotAction":"xray:*","Resource":"*"}}"""));
    }

    [Fact]
    public void EvaluateIdentity_NotResource_AppliesOutsideTheListedResources()
    {
        var policy = """
            {"Statement":[
              {"Effect":"Allow","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Action":"kms:*","NotResource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}
            """;

        Assert.Equal(PolicyDecision.Allow, Identity("kms:Encrypt", KeyArn, policy));
        Assert.Equal(PolicyDecision.Deny, Identity("kms:Encrypt", "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab", policy));
    }

    [Fact]
    public void EvaluateIdentity_StatementWithPrincipal_AppliesOnlyToNamedPrincipal()
    {
        var policy = """{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:*","Resource":"*"}}""";

        Assert.Equal(PolicyDecision.NotApplicable, Identity("kms:Encrypt", KeyArn, policy));
    }

    [Fact]
    public void EvaluateResource_KmsDefaultKeyPolicy_UserOfTheAccountGetsAllowAccount()
    {
        var policy = PolicyDocument.Parse(KmsDefaultKeyPolicy);

        Assert.Equal(ResourcePolicyDecision.AllowAccount, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Encrypt")));
    }

    [Fact]
    public void EvaluateResource_KmsDefaultKeyPolicy_UserOfAnotherAccountNotApplicable()
    {
        var policy = PolicyDocument.Parse(KmsDefaultKeyPolicy);

        var decision = PolicyEvaluator.EvaluateResource(policy, ForUser(MalloryArn, OtherAccount, "kms:Encrypt"));

        Assert.Equal(ResourcePolicyDecision.NotApplicable, decision);
    }

    [Fact]
    public void EvaluateResource_KmsDefaultKeyPolicy_ServicePrincipalNotApplicable()
    {
        var policy = PolicyDocument.Parse(KmsDefaultKeyPolicy);

        var decision = PolicyEvaluator.EvaluateResource(policy, ForService("xray.amazonaws.com", "kms:Decrypt"));

        Assert.Equal(ResourcePolicyDecision.NotApplicable, decision);
    }

    [Theory]
    [InlineData("\"*\"", AliceArn, Account, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("\"*\"", MalloryArn, OtherAccount, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"AWS\":\"*\"}", MalloryArn, OtherAccount, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"AWS\":\"111122223333\"}", AliceArn, Account, ResourcePolicyDecision.AllowAccount)]
    [InlineData("{\"AWS\":\"111122223333\"}", MalloryArn, OtherAccount, ResourcePolicyDecision.NotApplicable)]
    [InlineData("{\"AWS\":\"arn:aws:iam::111122223333:root\"}", AliceArn, Account, ResourcePolicyDecision.AllowAccount)]
    [InlineData("{\"AWS\":\"arn:aws:iam::111122223333:user/alice\"}", AliceArn, Account, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"AWS\":\"arn:aws:iam::111122223333:user/alice\"}", BobArn, Account, ResourcePolicyDecision.NotApplicable)]
    [InlineData("{\"AWS\":\"arn:aws:iam::111122223333:user/Alice\"}", AliceArn, Account, ResourcePolicyDecision.NotApplicable)]
    [InlineData("{\"AWS\":[\"arn:aws:iam::111122223333:user/bob\",\"arn:aws:iam::111122223333:user/alice\"]}", AliceArn, Account, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"AWS\":\"arn:aws:iam::444455556666:user/mallory\"}", MalloryArn, OtherAccount, ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"Service\":\"xray.amazonaws.com\"}", AliceArn, Account, ResourcePolicyDecision.NotApplicable)]
    public void EvaluateResource_PrincipalForm_MatchesCallerAsExpected(string principal, string callerArn, string callerAccount, ResourcePolicyDecision expected)
    {
        var policy = PolicyDocument.Parse($$$"""{"Statement":{"Effect":"Allow","Principal":{{{principal}}},"Action":"kms:Encrypt","Resource":"*"}}""");

        var decision = PolicyEvaluator.EvaluateResource(policy, ForUser(callerArn, callerAccount, "kms:Encrypt"));

        Assert.Equal(expected, decision);
    }

    [Theory]
    [InlineData("{\"Service\":\"xray.amazonaws.com\"}", "xray.amazonaws.com", ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"Service\":[\"logs.amazonaws.com\",\"xray.amazonaws.com\"]}", "xray.amazonaws.com", ResourcePolicyDecision.AllowPrincipal)]
    [InlineData("{\"Service\":\"xray.amazonaws.com\"}", "cloudtrail.amazonaws.com", ResourcePolicyDecision.NotApplicable)]
    [InlineData("{\"AWS\":\"111122223333\"}", "xray.amazonaws.com", ResourcePolicyDecision.NotApplicable)]
    [InlineData("{\"AWS\":\"arn:aws:iam::111122223333:root\"}", "xray.amazonaws.com", ResourcePolicyDecision.NotApplicable)]
    [InlineData("\"*\"", "xray.amazonaws.com", ResourcePolicyDecision.AllowPrincipal)]
    public void EvaluateResource_ServiceCaller_MatchesOnlyServiceOrEveryone(string principal, string service, ResourcePolicyDecision expected)
    {
        var policy = PolicyDocument.Parse($$$"""{"Statement":{"Effect":"Allow","Principal":{{{principal}}},"Action":"kms:Decrypt","Resource":"*"}}""");

        var decision = PolicyEvaluator.EvaluateResource(policy, ForService(service, "kms:Decrypt"));

        Assert.Equal(expected, decision);
    }

    [Fact]
    public void EvaluateResource_UserAndAccountStatements_ExactPrincipalWinsOverAccount()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}
            """);

        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Encrypt")));
        Assert.Equal(ResourcePolicyDecision.AllowAccount, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:ScheduleKeyDeletion")));
        Assert.Equal(ResourcePolicyDecision.AllowAccount, PolicyEvaluator.EvaluateResource(policy, ForUser(BobArn, Account, "kms:Encrypt")));
    }

    [Fact]
    public void EvaluateResource_DenyForUser_BeatsAllowForUser()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}
            """);

        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Decrypt")));
        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Encrypt")));
        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForUser(BobArn, Account, "kms:Decrypt")));
    }

    [Fact]
    public void EvaluateResource_DenyForAccount_DeniesEveryUserOfTheAccount()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
            """);

        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:ScheduleKeyDeletion")));
    }

    [Fact]
    public void EvaluateResource_DenyWithNotPrincipal_DeniesEveryoneButTheNamed()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice"],"Service":"xray.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}
            """);

        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Decrypt")));
        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForService("xray.amazonaws.com", "kms:Decrypt")));
        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(policy, ForUser(BobArn, Account, "kms:Decrypt")));
        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(policy, ForUser(MalloryArn, OtherAccount, "kms:Decrypt")));
    }

    [Fact]
    public void EvaluateResource_DenyWithNotPrincipalAccount_SparesTheWholeAccount()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}
            """);

        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, ForUser(BobArn, Account, "kms:Encrypt")));
        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(policy, ForUser(MalloryArn, OtherAccount, "kms:Encrypt")));
    }

    [Fact]
    public void EvaluateResource_StatementWithoutPrincipal_DenyAppliesToAllAllowToNone()
    {
        var allowOnly = PolicyDocument.Parse(Statement("Allow", "kms:*", "*"));
        var denyOnly = PolicyDocument.Parse(Statement("Deny", "kms:*", "*"));

        Assert.Equal(ResourcePolicyDecision.NotApplicable, PolicyEvaluator.EvaluateResource(allowOnly, ForAlice("kms:Encrypt")));
        Assert.Equal(ResourcePolicyDecision.Deny, PolicyEvaluator.EvaluateResource(denyOnly, ForAlice("kms:Encrypt")));
    }

    [Fact]
    public void EvaluateResource_ResourceDoesNotMatch_NotApplicable()
    {
        var policy = PolicyDocument.Parse("""{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/other"}}""");

        Assert.Equal(ResourcePolicyDecision.NotApplicable, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Encrypt")));
    }

    [Fact]
    public void EvaluateResource_AllowPrincipalWithConditionNotMet_FallsBackToAccount()
    {
        var policy = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*",
               "Condition":{"StringEquals":{"kms:ViaService":"xray.us-east-1.amazonaws.com"}}}]}
            """);

        var viaXray = ForAlice("kms:Decrypt", KeyArn, Context("kms:ViaService", "xray.us-east-1.amazonaws.com"));

        Assert.Equal(ResourcePolicyDecision.AllowPrincipal, PolicyEvaluator.EvaluateResource(policy, viaXray));
        Assert.Equal(ResourcePolicyDecision.AllowAccount, PolicyEvaluator.EvaluateResource(policy, ForAlice("kms:Decrypt")));
    }
}
