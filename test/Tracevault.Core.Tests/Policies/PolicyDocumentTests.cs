using Tracevault.Core.Policies;

namespace Tracevault.Core.Tests.Policies;

public class PolicyDocumentTests
{
    private const string KmsDefaultKeyPolicy = """
        {"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}
        """;

    [Fact]
    public void Parse_KmsDefaultKeyPolicy_ExposesEveryElement()
    {
        var document = PolicyDocument.Parse(KmsDefaultKeyPolicy);

        Assert.Equal(KmsDefaultKeyPolicy, document.Json);
        Assert.Equal("2012-10-17", document.Version);
        Assert.Equal("key-default-1", document.Id);
        var statement = Assert.Single(document.Statements);
        Assert.Equal("Enable IAM User Permissions", statement.Sid);
        Assert.Equal(PolicyEffect.Allow, statement.Effect);
        Assert.Equal(["kms:*"], statement.Actions);
        Assert.Null(statement.NotActions);
        Assert.Equal(["*"], statement.Resources);
        Assert.Null(statement.NotResources);
        Assert.NotNull(statement.Principals);
        Assert.Equal(["arn:aws:iam::111122223333:root"], statement.Principals.AwsPrincipals);
        Assert.Empty(statement.Principals.ServicePrincipals);
        Assert.False(statement.Principals.IsEveryone);
        Assert.Null(statement.NotPrincipals);
        Assert.Empty(statement.Conditions);
    }

    [Fact]
    public void Parse_StatementObjectAndStringElements_ReadAsSingleStatementAndLists()
    {
        var document = PolicyDocument.Parse("""
            {"Statement":{"Effect":"Deny","NotAction":["xray:Get*","xray:BatchGetTraces"],"NotResource":"arn:aws:xray:*"}}
            """);

        var statement = Assert.Single(document.Statements);
        Assert.Null(document.Version);
        Assert.Null(document.Id);
        Assert.Null(statement.Sid);
        Assert.Equal(PolicyEffect.Deny, statement.Effect);
        Assert.Null(statement.Actions);
        Assert.Equal(["xray:Get*", "xray:BatchGetTraces"], statement.NotActions);
        Assert.Equal(["arn:aws:xray:*"], statement.NotResources);
        Assert.Null(statement.Principals);
    }

    [Fact]
    public void Parse_Condition_FlattensOperatorsAndKeysWithValuesAsText()
    {
        var document = PolicyDocument.Parse("""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{
              "StringEquals":{"kms:ViaService":["xray.us-east-1.amazonaws.com","xray.us-west-2.amazonaws.com"],"kms:CallerAccount":"111122223333"},
              "NumericLessThan":{"kms:GrantCount":5},
              "Bool":{"aws:SecureTransport":true}}}]}
            """);

        var conditions = document.Statements[0].Conditions;
        Assert.Equal(4, conditions.Count);
        Assert.Equal("StringEquals", conditions[0].Operator);
        Assert.Equal("kms:ViaService", conditions[0].Key);
        Assert.Equal(["xray.us-east-1.amazonaws.com", "xray.us-west-2.amazonaws.com"], conditions[0].Values);
        Assert.Equal("kms:CallerAccount", conditions[1].Key);
        Assert.Equal(["5"], conditions[2].Values);
        Assert.Equal(["true"], conditions[3].Values);
    }

    [Fact]
    public void Parse_PrincipalForms_ReadIntoPrincipalSet()
    {
        var document = PolicyDocument.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"],"Service":"xray.amazonaws.com"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}
            """);

        Assert.True(document.Statements[0].Principals!.IsEveryone);
        var named = document.Statements[1].Principals!;
        Assert.False(named.IsEveryone);
        Assert.Equal(["111122223333", "arn:aws:iam::111122223333:user/alice"], named.AwsPrincipals);
        Assert.Equal(["xray.amazonaws.com"], named.ServicePrincipals);
        Assert.True(document.Statements[2].NotPrincipals!.IsEveryone);
    }

    [Fact]
    public void Parse_StatementsList_CannotBeCastBackAndMutated()
    {
        var document = PolicyDocument.Parse(KmsDefaultKeyPolicy);

        Assert.False(document.Statements is PolicyStatement[]);
        Assert.False(document.Statements[0].Actions is string[]);
    }

    [Theory]
    [InlineData("<Policy/>", "not valid JSON at line 1, byte 1: '<' is an invalid start of a value.")]
    [InlineData("not json", "not valid JSON at line 1, byte 2")]
    [InlineData("{\"Statement\": [", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[]", "must be a JSON object, not an array")]
    [InlineData("{\"Version\":\"2012-10-17\"}", "has no Statement")]
    [InlineData("{\"Statement\":[]}", "Statement must not be an empty array")]
    [InlineData("{\"Statement\":\"Allow\"}", "Statement must be an object or an array of objects, not a string")]
    [InlineData("{\"Statement\":[\"x\"]}", "Statement 1 must be an object, not a string")]
    [InlineData("{\"Version\":\"2020-01-01\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Version must be \"2012-10-17\" or \"2008-10-17\", not \"2020-01-01\"")]
    [InlineData("{\"Policy\":1,\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "unknown element \"Policy\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"},{\"Sid\":\"Second\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 2 (Sid \"Second\") has no Effect")]
    [InlineData("{\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1: Effect must be \"Allow\" or \"Deny\" (case-sensitive), not \"allow\"")]
    [InlineData("{\"Statement\":[{\"Effect\":true,\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1: Effect must be a string, not true")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"NotAction\":\"kms:Decrypt\",\"Resource\":\"*\"}]}", "Statement 1 has both Action and NotAction")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}", "Statement 1 has neither Action nor NotAction")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\"}]}", "Statement 1 has neither Resource nor NotResource")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"NotResource\":\"*\"}]}", "Statement 1 has both Resource and NotResource")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}", "Statement 1: Action must not be an empty array")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"kms:*\",3],\"Resource\":\"*\"}]}", "Statement 1: Action must contain only strings, not a number")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms\",\"Resource\":\"*\"}]}", "Statement 1: Action \"kms\" must be \"*\" or of the form service:action")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"key/1\"}]}", "Statement 1: Resource \"key/1\" must be \"*\" or an ARN")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1 has the unknown element \"action\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1 has the element \"Effect\" more than once")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualz\":{\"kms:CallerAccount\":\"111122223333\"}}}]}", "Statement 1: Condition has the unknown operator \"StringEqualz\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"stringequals\":{\"kms:CallerAccount\":\"111122223333\"}}}]}", "unknown operator \"stringequals\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"ForAnyValue:NullIfExists\":{\"k\":\"true\"}}}]}", "Null takes neither")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{}}}]}", "Condition StringEquals must name at least one condition key")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":null}}}]}", "Condition StringEquals \"k\" must be a string, number or boolean")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":\"a\",\"K\":\"b\"}}}]}", "has the element \"K\" more than once")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"kms:GrantCount\":\"many\"}}}]}", "Condition NumericLessThan \"kms:GrantCount\": \"many\" is not a number")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"soon\"}}}]}", "\"soon\" is not an ISO 8601 date")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"yes\"}}}]}", "\"yes\" is not \"true\" or \"false\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}}]}", "\"10.0.0.0/33\" is not an IP address or CIDR block")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.1\"}}}]}", "\"10.1\" is not an IP address or CIDR block")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:xray\"}}}]}", "\"arn:aws:xray\" is not an ARN")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"BinaryEquals\":{\"k\":\"not base64!\"}}}]}", "\"not base64!\" is not base64")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"Null\":{\"k\":\"maybe\"}}}]}", "Null takes \"true\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"arn:aws:iam::111122223333:root\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1: Principal must be \"*\" or an object")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Statement 1: Principal must name at least one principal")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"cognito-identity.amazonaws.com\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "principal type \"Federated\"")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/*\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "has a wildcard; only \"*\" alone")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"alice\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "AWS \"alice\" is not \"*\", a 12-digit account id or an ARN")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"*.amazonaws.com\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "Service \"*.amazonaws.com\" has a wildcard")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotPrincipal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "has both Principal and NotPrincipal")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"111122223333\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}", "NotPrincipal is supported only with \"Deny\"")]
    public void Parse_MalformedDocument_ThrowsPolicyFormatExceptionNamingTheProblem(string json, string expectedMessagePart)
    {
        var exception = Assert.Throws<PolicyFormatException>(() => PolicyDocument.Parse(json));

        Assert.Contains(expectedMessagePart, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ValidDocument_ReturnsDocumentAndNoError()
    {
        var parsed = PolicyDocument.TryParse(KmsDefaultKeyPolicy, out var document, out var error);

        Assert.True(parsed);
        Assert.NotNull(document);
        Assert.Null(error);
    }

    [Fact]
    public void TryParse_MissingEffect_ReturnsFalseWithMessage()
    {
        var parsed = PolicyDocument.TryParse("""{"Statement":[{"Action":"kms:*","Resource":"*"}]}""", out var document, out var error);

        Assert.False(parsed);
        Assert.Null(document);
        Assert.Equal("Statement 1 has no Effect; it must be \"Allow\" or \"Deny\".", error);
    }

    [Fact]
    public void Parse_InvalidJsonOnSecondLine_ReportsOneBasedLine()
    {
        var exception = Assert.Throws<PolicyFormatException>(() => PolicyDocument.Parse("{\n  \"Statement\": [,]\n}"));

        Assert.StartsWith("The policy is not valid JSON at line 2, byte 17:", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Condition")]
    [InlineData("Resource")]
    public void Parse_NestedHundredThousandDeep_ThrowsPolicyFormatExceptionInsteadOfRecursing(string element)
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var json = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","{{element}}":{{deep}}}]}""";

        var exception = Assert.Throws<PolicyFormatException>(() => PolicyDocument.Parse(json));

        Assert.StartsWith("The policy is not valid JSON", exception.Message, StringComparison.Ordinal);
    }
}
