using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Console;

/// <summary>Console sign-in is slowed down after repeated failures, per access key and per address, and every checked attempt is a CloudTrail <c>ConsoleLogin</c> record.</summary>
public sealed class ConsoleSignInLimitTests
{
    private const string NotRight = "is not right";
    private const string TooMany = "Too many failed sign-ins";

    [Fact]
    public async Task SignIn_FortyWrongSecretsAtOnce_OnlyFiveAreChecked_AndTheRightSecretWaitsItsTurn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret + "x" + i)));
        Assert.Equal(5, attempts.Count(a => a.Status == HttpStatusCode.OK && a.Html.Contains(NotRight, StringComparison.Ordinal)));
        Assert.Equal(35, attempts.Count(a => a.Status == HttpStatusCode.TooManyRequests && a.Html.Contains(TooMany, StringComparison.Ordinal)));

        // The right secret is refused too while the key must wait; the page says when to try again.
        var refused = await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Contains("try again in 1 second,", refused.Html);
        Assert.Equal("1", refused.RetryAfter);

        clock.Advance(TimeSpan.FromSeconds(1));
        var accepted = await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret);
        Assert.Equal(HttpStatusCode.SeeOther, accepted.Status);
        Assert.Equal("/console/traces", accepted.Location);

        // A success starts the key afresh: five more failures are checked before it must wait again.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(server, server.AdminAccessKeyId, "wrong")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await AttemptAsync(server, server.AdminAccessKeyId, "wrong")).Status);
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains(server.AdminSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_EachFurtherFailure_DoublesTheWait_UpToAMinute()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        for (var i = 0; i < 4; i++)
        {
            Assert.DoesNotContain(TooMany, (await AttemptAsync(server, server.AdminAccessKeyId, "wrong")).Html);
        }

        var waits = new List<int>();
        for (var i = 0; i < 9; i++)
        {
            var failed = await AttemptAsync(server, server.AdminAccessKeyId, "wrong");
            Assert.Equal(HttpStatusCode.OK, failed.Status);
            var wait = WaitOf(failed.Html);
            waits.Add(wait);
            clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(HttpStatusCode.TooManyRequests, (await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret)).Status);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], waits);
        Assert.Equal(HttpStatusCode.SeeOther, (await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret)).Status);
    }

    [Fact]
    public async Task SignIn_FailuresWithUnknownKeys_SlowDownTheirAddress()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(server, $"AKIANOSUCHKEY{i:D7}", "wrong")).Status);
        }

        // Every key from this address waits now, the admin's included.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret)).Status);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.SeeOther, (await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret)).Status);
    }

    [Fact]
    public async Task SignIns_AreConsoleLoginRecords_FoundByLookupEvents_WithoutTheSecret()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        using var client = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        using (var kms = await client.KmsAsync("ListKeys", SignedHttpClient.Json("{}"), clock.GetUtcNow()))
        {
            await TraceDocuments.ReadJsonAsync(kms);
        }

        var wrongSecret = server.AdminSecret[..^1] + (server.AdminSecret[^1] == 'A' ? 'B' : 'A');
        const string pastedSecret = "pasted-secret-in-the-key-field";
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(server, server.AdminAccessKeyId, wrongSecret)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(server, pastedSecret, "wrong")).Status);
        Assert.Equal(HttpStatusCode.SeeOther, (await AttemptAsync(server, server.AdminAccessKeyId, server.AdminSecret)).Status);

        var events = await LookupAsync(client, clock, "EventName", "ConsoleLogin");
        Assert.Equal(3, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("signin.amazonaws.com", e.GetProperty("EventSource").GetString());
            Assert.Equal("false", e.GetProperty("ReadOnly").GetString());
            var raw = e.GetProperty("CloudTrailEvent").GetString()!;
            Assert.DoesNotContain(server.AdminSecret, raw);
            Assert.DoesNotContain(wrongSecret, raw);
            Assert.DoesNotContain(pastedSecret, raw);
            var record = JsonDocument.Parse(raw).RootElement;
            Assert.Equal("AwsConsoleSignIn", record.GetProperty("eventType").GetString());
            Assert.Equal("ConsoleLogin", record.GetProperty("eventName").GetString());
            Assert.Equal(server.AccountId, record.GetProperty("recipientAccountId").GetString());
            Assert.Equal("127.0.0.1", record.GetProperty("sourceIPAddress").GetString());
        });

        // Most recent first: the success, the unknown key, the wrong secret.
        var success = JsonDocument.Parse(events[0].GetProperty("CloudTrailEvent").GetString()!).RootElement;
        Assert.Equal("Success", success.GetProperty("responseElements").GetProperty("ConsoleLogin").GetString());
        Assert.False(success.TryGetProperty("errorMessage", out _));
        Assert.Equal("admin", events[0].GetProperty("Username").GetString());
        Assert.Equal(server.AdminAccessKeyId, events[0].GetProperty("AccessKeyId").GetString());

        var unknown = JsonDocument.Parse(events[1].GetProperty("CloudTrailEvent").GetString()!).RootElement;
        Assert.Equal("Failure", unknown.GetProperty("responseElements").GetProperty("ConsoleLogin").GetString());
        Assert.Equal("HIDDEN_DUE_TO_SECURITY_REASONS", unknown.GetProperty("userIdentity").GetProperty("userName").GetString());
        Assert.Equal("", unknown.GetProperty("userIdentity").GetProperty("accessKeyId").GetString());

        var failure = JsonDocument.Parse(events[2].GetProperty("CloudTrailEvent").GetString()!).RootElement;
        Assert.Equal("Failure", failure.GetProperty("responseElements").GetProperty("ConsoleLogin").GetString());
        Assert.Equal("Failed authentication", failure.GetProperty("errorMessage").GetString());
        Assert.Equal("admin", failure.GetProperty("userIdentity").GetProperty("userName").GetString());
        Assert.Equal(server.AdminAccessKeyId, failure.GetProperty("userIdentity").GetProperty("accessKeyId").GetString());

        // The user is the same principal in its KMS records and its sign-ins.
        var listKeys = JsonDocument.Parse((await LookupAsync(client, clock, "EventName", "ListKeys"))[0].GetProperty("CloudTrailEvent").GetString()!).RootElement;
        Assert.Equal(listKeys.GetProperty("userIdentity").GetProperty("principalId").GetString(), failure.GetProperty("userIdentity").GetProperty("principalId").GetString());
        Assert.Equal(listKeys.GetProperty("userIdentity").GetProperty("arn").GetString(), failure.GetProperty("userIdentity").GetProperty("arn").GetString());

        Assert.Equal(2, (await LookupAsync(client, clock, "AccessKeyId", server.AdminAccessKeyId)).Count(e => e.GetProperty("EventName").GetString() == "ConsoleLogin"));
    }

    private static async Task<List<JsonElement>> LookupAsync(SignedHttpClient client, FakeTimeProvider clock, string attribute, string value)
    {
        using var response = await client.SendAsync("/", "cloudtrail",
            SignedHttpClient.Json($$"""{"LookupAttributes":[{"AttributeKey":"{{attribute}}","AttributeValue":"{{value}}"}]}"""), "application/x-amz-json-1.1",
            new() { ["X-Amz-Target"] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" }, clock.GetUtcNow(), null);
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("Events").EnumerateArray().ToList();
    }

    private static async Task<Attempt> AttemptAsync(TestServer server, string accessKeyId, string secret)
    {
        using var client = new ConsoleHttpClient(server.Endpoint);
        using var response = await client.SignInAsync(accessKeyId, secret);
        return new Attempt(
            response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.RetryAfter?.Delta is { } delta ? ((int)delta.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            response.Headers.Location?.OriginalString);
    }

    private static int WaitOf(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, @"try again in (\d+) seconds?,");
        Assert.True(match.Success, "The page does not say when to try again:\n" + html);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Attempt(HttpStatusCode Status, string Html, string? RetryAfter, string? Location);
}
