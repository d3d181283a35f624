using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Keys.Settings;
using Tracevault.Server.Console;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Console;

/// <summary>The Keys, Encryption and Audit pages below the browser: refusals, encoding, costs and the notification across a restart.</summary>
public sealed class ConsoleKeyPagesTests : IAsyncLifetime
{
    private const string XRayOnlyPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:*"],"Resource":"*"}]}""";

    private const string Markup = "<img src=x id=injected onerror=alert(1)>";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task KeyAction_WithoutItsCsrfToken_IsRefused_AndTheKeyStaysEnabled()
    {
        using var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        var keyId = await CreateKeyAsync(api, "csrf test");
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);

        using var forged = await client.PostFormAsync("/console/keys/disable", new() { ["keyId"] = keyId });
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal("Enabled", await KeyStateAsync(api, keyId));

        using var page = await client.GetAsync("/console/keys");
        var token = ConsoleHttpClient.CsrfToken(await page.Content.ReadAsStringAsync());
        using var disabled = await client.PostFormAsync("/console/keys/disable", new() { ["csrf"] = token, ["keyId"] = keyId });
        Assert.Equal(HttpStatusCode.SeeOther, disabled.StatusCode);
        Assert.Equal($"/console/keys?done=disable&key={keyId}", disabled.Headers.Location!.OriginalString);
        Assert.Equal("Disabled", await KeyStateAsync(api, keyId));
    }

    [Fact]
    public async Task KeysPage_EncodesDescriptionsAndErrors()
    {
        using var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        var keyId = await CreateKeyAsync(api, Markup);
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var page = await client.GetAsync("/console/keys");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(keyId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x id=injected", html, StringComparison.Ordinal);

        // An alias the KMS refuses: its message (which repeats the name) comes back encoded, next to the key.
        var token = ConsoleHttpClient.CsrfToken(html);
        using var refused = await client.PostFormAsync("/console/keys/alias", new() { ["csrf"] = token, ["keyId"] = keyId, ["alias"] = "alias/" + Markup });
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("ValidationException", refusedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, refusedHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void Cost_IsAKeyMonthForCustomerKeysPlusThreeCentsPerTenThousandRequests()
    {
        var now = DateTimeOffset.UnixEpoch;
        var customer = new Keys.Kms.KmsKey("k", "111122223333", "arn", 1, now, "", "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "CUSTOMER", Keys.Kms.KeyState.Enabled, "{}", []);
        Assert.Equal(1.03m, KeysPage.Cost(customer, 10_000));
        Assert.Equal(0.000003m, KeysPage.Cost(customer with { KeyManager = "AWS" }, 1));
        Assert.Equal(0m, KeysPage.Cost(customer with { State = Keys.Kms.KeyState.PendingDeletion }, 0));
        Assert.Equal("$1.000036", KeysPage.Dollars(KeysPage.Cost(customer, 12)));
        Assert.Equal("$2.00", KeysPage.Dollars(2m));
    }

    [Fact]
    public async Task AuditPage_PagesOlderEvents_AndCombinesFilters()
    {
        using var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        var keyId = await CreateKeyAsync(api, "audit paging");
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal("Enabled", await KeyStateAsync(api, keyId));
        }

        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        using var first = await client.GetAsync("/console/audit?event=DescribeKey");
        var firstHtml = await first.Content.ReadAsStringAsync();
        Assert.Equal(50, Rows(firstHtml, "DescribeKey"));
        Assert.Equal(50, Rows(firstHtml, null));
        var older = System.Text.RegularExpressions.Regex.Match(firstHtml, "href=\"(/console/audit\\?[^\"]*before=[0-9]+)\" rel=\"next\"").Groups[1].Value;
        Assert.NotEmpty(older);
        using var second = await client.GetAsync(WebUtility.HtmlDecode(older));
        var secondHtml = await second.Content.ReadAsStringAsync();
        Assert.Equal(10, Rows(secondHtml, "DescribeKey"));
        Assert.DoesNotContain("rel=\"next\"", secondHtml, StringComparison.Ordinal);

        // Event name, user and key together: only the admin's DescribeKey calls on this key.
        using var combined = await client.GetAsync($"/console/audit?event=DescribeKey&user=admin&key={keyId}");
        var combinedHtml = await combined.Content.ReadAsStringAsync();
        Assert.True(Rows(combinedHtml, "DescribeKey") >= 50);
        Assert.Equal(Rows(combinedHtml, null), Rows(combinedHtml, "DescribeKey"));
        using var nobody = await client.GetAsync($"/console/audit?event=DescribeKey&user=somebody-else&key={keyId}");
        Assert.Contains("id=\"no-events\"", await nobody.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        static int Rows(string html, string? eventName) =>
            html.Split(eventName is null ? "<tr data-event-id=" : $"data-event-name=\"{eventName}\"").Length - 1;
    }

    [Fact]
    public async Task AuditPage_WithoutLookupEvents_IsAccessDenied()
    {
        var user = _server.CreateUser("no-trail", XRayOnlyPolicy);
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(user.AccessKeyId, user.SecretAccessKey);
        foreach (var path in new[] { "/console/audit", "/console/audit/00000000-0000-0000-0000-000000000000", "/console/audit?verify=1" })
        {
            using var page = await client.GetAsync(path);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
            Assert.Contains("cloudtrail:LookupEvents", html, StringComparison.Ordinal);
            Assert.DoesNotContain("audit-table", html, StringComparison.Ordinal);
            Assert.DoesNotContain("chain-verification", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EncryptionPage_WithoutPutEncryptionConfig_ShowsAccessDeniedNextToApply_AndChangesNothing()
    {
        var user = _server.CreateUser("read-only", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetEncryptionConfig"],"Resource":"*"}]}""");
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(user.AccessKeyId, user.SecretAccessKey);
        using var page = await client.GetAsync("/console/encryption");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Default encryption", html, StringComparison.Ordinal);
        Assert.Contains("id=\"alias-error\"", html, StringComparison.Ordinal);

        using var refused = await client.PostFormAsync("/console/encryption", new() { ["csrf"] = ConsoleHttpClient.CsrfToken(html), ["type"] = "KMS", ["key"] = "alias/aws/xray" });
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("id=\"encryption-error\"", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("Access denied", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("xray:PutEncryptionConfig", refusedHtml, StringComparison.Ordinal);
        Assert.Equal(EncryptionType.None, _server.Server.Services.GetRequiredService<EncryptionSettingsService>().Get(_server.AccountId).Setting.Type);
    }

    [Fact]
    public async Task Notification_LeftByAnEarlierRun_ClearsOnceTheKeyIsUsable()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        var first = await TestServer.StartAsync(dataDirectory: directory);
        var (accessKeyId, secret, accountId) = (first.AdminAccessKeyId, first.AdminSecret, first.AccountId);
        string keyArn;
        using (var api = new SignedHttpClient(first.Endpoint, accessKeyId, secret))
        {
            var keyId = await CreateKeyAsync(api, "restart");
            keyArn = (await Encryption.EncryptionSettingsTests.PutKmsSettingAsync(api, keyId)).GetProperty("EncryptionConfig").GetProperty("KeyId").GetString()!;

            // As a run that stopped while the key was unusable would leave it.
            first.Server.Services.GetRequiredService<IEncryptionSettingRepository>()
                .SetStoringStatus(accountId, new StoringStatus(accountId, keyArn, "DisabledException: the key was disabled", DateTimeOffset.UtcNow));
        }

        await first.Server.DisposeAsync();
        await using var second = await TestServer.StartAsync(dataDirectory: directory);
        using var client = new ConsoleHttpClient(second.Endpoint);
        using var signedIn = await client.SignInAsync(accessKeyId, secret);
        await Eventually.WaitAsync("the notification clears after the restart", async () =>
        {
            using var page = await client.GetAsync("/console/traces");
            return !(await page.Content.ReadAsStringAsync()).Contains("id=\"key-unusable\"", StringComparison.Ordinal);
        });
        Assert.Null(second.Server.Services.GetRequiredService<DataKeyPolicy>().FindStoringStatus(accountId));
    }

    private static async Task<string> CreateKeyAsync(SignedHttpClient api, string description)
    {
        using var response = await api.KmsAsync("CreateKey", SignedHttpClient.Json(JsonSerializer.Serialize(new { Description = description })));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
    }

    private static async Task<string> KeyStateAsync(SignedHttpClient api, string keyId)
    {
        using var response = await api.KmsAsync("DescribeKey", SignedHttpClient.Json(JsonSerializer.Serialize(new { KeyId = keyId })));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("KeyMetadata").GetProperty("KeyState").GetString()!;
    }
}
