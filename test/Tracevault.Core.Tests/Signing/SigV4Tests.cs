using System.Text;
using Tracevault.Core.Signing;

namespace Tracevault.Core.Tests.Signing;

public sealed class SigV4Tests
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void CanonicalRequest_GetVanilla_MatchesPinnedVector()
    {
        var request = Vanilla("GET");

        var canonical = SigV4.CanonicalRequest(request, ["host", "x-amz-date"]);
        var stringToSign = SigV4.StringToSign("20150830T123600Z", SigV4.Scope("20150830", "us-east-1", "service"), canonical);
        var signature = SigV4.Signature(SigV4.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service"), stringToSign);

        Assert.Equal(
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySha256,
            canonical);
        Assert.Equal(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            stringToSign);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
    }

    [Fact]
    public void Sign_PostVanilla_MatchesPinnedSignature()
    {
        var authorization = SigV4.Sign(
            Vanilla("POST"), ["X-Amz-Date", "Host"], "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SuiteTime, "us-east-1", "service");

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            + "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            authorization);
    }

    [Fact]
    public void SigningKey_AwsDocumentationExample_MatchesPublishedKey()
    {
        // The derivation example of the SigV4 documentation ("Examples of how to derive a signing key").
        var key = SigV4.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");

        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", Convert.ToHexStringLower(key));
    }

    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("/TraceSegments", "/TraceSegments")]
    [InlineData("/example/..", "/")]
    [InlineData("/example1/example2/../..", "/")]
    [InlineData("/./example", "/example")]
    [InlineData("//example//", "/example/")]
    [InlineData("/a/b/../c/./d", "/a/c/d")]
    [InlineData("/../a", "/a")]
    [InlineData("/example space/", "/example%20space/")]
    [InlineData("/example/$delete", "/example/%24delete")]
    [InlineData("/ሴ", "/%E1%88%B4")]
    [InlineData("/-._~0123456789AZaz", "/-._~0123456789AZaz")]
    [InlineData("/example%20space/", "/example%2520space/")]
    [InlineData("/a%2Fb", "/a%252Fb")]
    public void CanonicalUri_RawPath_NormalizedAndEncodedOnceMore(string rawPath, string expected)
    {
        Assert.Equal(expected, SigV4.CanonicalUri(rawPath));
    }

    [Fact]
    public void CanonicalUri_AlreadyNormalized_KeepsDotAndEmptySegments()
    {
        Assert.Equal("/a//./b/", SigV4.CanonicalUri("/a//./b/", alreadyNormalizedPath: true));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("b=2&a=1", "a=1&b=2")]
    [InlineData("a=2&a=1", "a=1&a=2")]
    [InlineData("Param2=value2&Param1=value1", "Param1=value1&Param2=value2")]
    [InlineData("b=1&B=1&a=1", "B=1&a=1&b=1")]
    [InlineData("a", "a=")]
    [InlineData("a=", "a=")]
    [InlineData("a=1&&b=2", "a=1&b=2")]
    [InlineData("a=b=c", "a=b%3Dc")]
    [InlineData("%E1%88%B4=bar", "%E1%88%B4=bar")]
    [InlineData("ሴ=bar", "%E1%88%B4=bar")]
    [InlineData("a=b%2fc", "a=b%2Fc")]
    [InlineData("a=b c", "a=b%20c")]
    [InlineData("a=b+c", "a=b%2Bc")]
    [InlineData("a=%7E%41", "a=~A")]
    [InlineData("a=%zz", "a=%25zz")]
    [InlineData("a=1&X-Amz-Signature=abc", "a=1")]
    [InlineData("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3")]
    public void CanonicalQueryString_RawQuery_DecodedReEncodedAndSorted(string rawQuery, string expected)
    {
        Assert.Equal(expected, SigV4.CanonicalQueryString(rawQuery));
    }

    [Fact]
    public void CanonicalRequest_RepeatedAndFoldedHeaders_TrimmedCollapsedAndJoined()
    {
        var request = new SignedRequest(
            "GET",
            "/",
            string.Empty,
            [new("Host", "example.amazonaws.com"), new("My-Header", "  a   b\t c  "), new("my-header", "value1\r\n  value2"), new("X-Unsigned", "x")],
            EmptySha256);

        var canonical = SigV4.CanonicalRequest(request, ["my-header", "host"]);

        Assert.Equal("GET\n/\n\nhost:example.amazonaws.com\nmy-header:a b c,value1 value2\n\nhost;my-header\n" + EmptySha256, canonical);
    }

    [Fact]
    public void CanonicalRequest_ContentSha256Header_UsedAsPayloadHash()
    {
        var request = Vanilla("PUT") with { Headers = [new("Host", "h"), new("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")] };

        Assert.EndsWith("\nUNSIGNED-PAYLOAD", SigV4.CanonicalRequest(request, ["host"]), StringComparison.Ordinal);
    }

    [Fact]
    public void StringToSign_HashesTheUtf8CanonicalRequest()
    {
        var stringToSign = SigV4.StringToSign("20150830T123600Z", "scope", "ሴ");

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("ሴ")));
        Assert.Equal($"AWS4-HMAC-SHA256\n20150830T123600Z\nscope\n{expected}", stringToSign);
    }

    private static SignedRequest Vanilla(string method) =>
        new(method, "/", string.Empty, [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")], EmptySha256);
}
