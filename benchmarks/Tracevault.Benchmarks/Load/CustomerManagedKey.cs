using System.Text;
using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>Puts the admin's account on a customer-managed KMS key, as a user would, and counts the KMS calls the trail records.</summary>
internal sealed class CustomerManagedKey(HttpClient http, XRaySigner signer)
{
    private const string CloudTrailTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";

    /// <summary>Creates a KMS key, makes it the account's X-Ray encryption key and waits until the setting is ACTIVE; returns the key ARN.</summary>
    public async Task<string> ApplyAsync(TimeSpan timeout)
    {
        string keyArn;
        using (var created = await SendAsync(signer.PostTarget("kms", "TrentService.CreateKey", """{"Description":"tracevault load harness"}"""u8.ToArray())).ConfigureAwait(false))
        {
            keyArn = created.RootElement.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        }

        var put = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["Type"] = "KMS", ["KeyId"] = keyArn });
        using (await SendAsync(signer.Post("/PutEncryptionConfig", put)).ConfigureAwait(false))
        {
        }

        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            using var config = await SendAsync(signer.Post("/EncryptionConfig", "{}"u8.ToArray())).ConfigureAwait(false);
            var setting = config.RootElement.GetProperty("EncryptionConfig");
            if (setting.GetProperty("Status").GetString() == "ACTIVE" && setting.GetProperty("Type").GetString() == "KMS")
            {
                return keyArn;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The KMS encryption setting did not become ACTIVE within {timeout}.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>How many events named <paramref name="eventName"/> the account's trail holds since <paramref name="since"/>, every page read.</summary>
    public async Task<int> CountEventsAsync(string eventName, DateTimeOffset since)
    {
        var count = 0;
        string? token = null;
        do
        {
            var query = new Dictionary<string, object>
            {
                ["LookupAttributes"] = new[] { new Dictionary<string, string> { ["AttributeKey"] = "EventName", ["AttributeValue"] = eventName } },
                ["StartTime"] = since.ToUnixTimeSeconds(),
                ["MaxResults"] = 50,
            };
            if (token is not null)
            {
                query["NextToken"] = token;
            }

            using var page = await SendAsync(signer.PostTarget("cloudtrail", CloudTrailTarget, JsonSerializer.SerializeToUtf8Bytes(query))).ConfigureAwait(false);
            count += page.RootElement.GetProperty("Events").EnumerateArray().Count(e => e.GetProperty("EventName").GetString() == eventName);
            token = page.RootElement.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        return count;
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var text = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidDataException($"{request.RequestUri} ({(request.Headers.TryGetValues("X-Amz-Target", out var target) ? target.First() : "X-Ray")}) answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(text)}");
            }

            return JsonDocument.Parse(text);
        }
    }
}
