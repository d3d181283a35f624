using Tracevault.Core.Signing;

namespace Tracevault.Core.Tests.Signing;

/// <summary>The official SigV4 test suite's vectors; skipped, never passed, when the suite is absent (and failed under TRACEVAULT_REQUIRE_VECTORS=1).</summary>
public sealed class SigV4TestSuiteTests
{
    private const string Mismatch =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
        + "Consult the service documentation for details.";

    public static TheoryData<string> Cases() => SigV4TestSuite.Cases();

    [SkippableFact]
    public void Suite_WhenPresent_HoldsTheKnownCases()
    {
        SigV4TestSuite.RequireAvailable();

        Assert.True(SigV4TestSuite.CaseNames.Count >= 30, $"only {SigV4TestSuite.CaseNames.Count} cases found in {SigV4TestSuite.Folder}");
        Assert.Contains("get-vanilla", SigV4TestSuite.CaseNames);
        Assert.Contains("normalize-path/get-space", SigV4TestSuite.CaseNames);
        Assert.Contains("post-sts-token/post-sts-header-after", SigV4TestSuite.CaseNames);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void CanonicalRequest_SuiteCase_MatchesCreqAndSts(string caseName)
    {
        SigV4TestSuite.RequirePresent(caseName);

        var suiteCase = SigV4SuiteCase.Load(caseName);

        var canonical = SigV4.CanonicalRequest(suiteCase.Request.ToSignedRequest(), suiteCase.SignedHeaders);
        var stringToSign = SigV4.StringToSign(
            suiteCase.Request.Header("X-Amz-Date")!,
            SigV4.Scope("20150830", SigV4TestSuite.Region, SigV4TestSuite.Service),
            canonical);

        Assert.Equal(suiteCase.CanonicalRequest, canonical);
        Assert.Equal(suiteCase.StringToSign, stringToSign);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Sign_SuiteCase_MatchesAuthz(string caseName)
    {
        SigV4TestSuite.RequirePresent(caseName);

        var suiteCase = SigV4SuiteCase.Load(caseName);

        var authorization = SigV4.Sign(
            suiteCase.Request.ToSignedRequest(),
            suiteCase.SignedHeaders,
            SigV4TestSuite.AccessKeyId,
            SigV4TestSuite.Secret,
            SigV4TestSuite.Now,
            SigV4TestSuite.Region,
            SigV4TestSuite.Service);

        Assert.Equal(suiteCase.Authorization, authorization);
        Assert.Equal(suiteCase.Authorization, suiteCase.SignedRequest.Header("Authorization")!.Trim());
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Verify_SuiteSignedRequest_Succeeds(string caseName)
    {
        SigV4TestSuite.RequirePresent(caseName);

        var suiteCase = SigV4SuiteCase.Load(caseName);

        var result = Verify(suiteCase.SignedRequest.ToSignedRequest());

        Assert.Equal(SignatureFailure.None, result.Failure);
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(SigV4TestSuite.AccessKeyId, result.AccessKeyId);
        Assert.Equal(suiteCase.SignedRequest.Header("X-Amz-Security-Token"), result.SecurityToken);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Verify_OneByteMutation_FailsWithInvalidSignature(string caseName)
    {
        SigV4TestSuite.RequirePresent(caseName);

        var signed = SigV4SuiteCase.Load(caseName).SignedRequest;
        var mutations = new List<(string What, RawHttpRequest Request)>();

        var authorization = signed.Header("Authorization")!.Trim();
        mutations.Add(("signature", signed.WithHeader("Authorization", authorization[..^1] + NextHex(authorization[^1]))));

        var signedHeaders = SigV4SuiteCase.Load(caseName).SignedHeaders;
        foreach (var name in signedHeaders)
        {
            var value = signed.Header(name)!.TrimEnd();

            // The date's last character is its 'Z'; change the seconds instead, so the time stays parseable and within the skew.
            var index = name == "x-amz-date" ? value.Length - 2 : value.Length - 1;
            mutations.Add(($"header {name}", signed.WithHeader(name, value[..index] + Next(value[index]) + value[(index + 1)..])));
        }

        var body = signed.Body.Length == 0 ? "x"u8.ToArray() : [.. signed.Body[..^1], (byte)Next((char)signed.Body[^1])];
        mutations.Add(("body", signed with { Body = body }));
        mutations.Add(("path", signed with { Target = MutatePath(signed.Target) }));

        foreach (var (what, request) in mutations)
        {
            var result = Verify(request.ToSignedRequest());
            Assert.True(result.Failure == SignatureFailure.InvalidSignature, $"{what}: {result.Failure} {result.Message}");
            Assert.Equal(Mismatch, result.Message);
        }
    }

    private static SignatureVerification Verify(SignedRequest request) =>
        new SigV4Verifier().Verify(
            request,
            id => id == SigV4TestSuite.AccessKeyId ? SigV4TestSuite.Secret : null,
            SigV4TestSuite.Now,
            SigV4TestSuite.Region,
            SigV4TestSuite.Service,
            TimeSpan.FromMinutes(5));

    private static string MutatePath(string target)
    {
        var question = target.IndexOf('?');
        var path = question < 0 ? target : target[..question];
        return path[..^1] + Next(path[^1]) + (question < 0 ? string.Empty : target[question..]);
    }

    private static char NextHex(char c) => "0123456789abcdef"[("0123456789abcdef".IndexOf(c) + 1) % 16];

    private static char Next(char c) => c switch
    {
        >= '0' and <= '9' => (char)('0' + ((c - '0' + 1) % 10)),
        >= 'a' and <= 'z' => (char)('a' + ((c - 'a' + 1) % 26)),
        >= 'A' and <= 'Z' => (char)('A' + ((c - 'A' + 1) % 26)),
        _ => 'x',
    };
}
