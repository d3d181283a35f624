using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Sampling;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Tags;
using Tracevault.Storage.Sampling;

namespace Tracevault.Server.XRay;

/// <summary>
/// Centralized sampling as X-Ray has it: sampling rules (<c>CreateSamplingRule</c>, <c>UpdateSamplingRule</c>,
/// <c>DeleteSamplingRule</c>, <c>GetSamplingRules</c>), the quotas clients ask for (<c>GetSamplingTargets</c>) and what they
/// reported (<c>GetSamplingStatisticSummaries</c>).
/// </summary>
/// <remarks>
/// Rules, client reports and boosts live in the store every node shares: a rule's reservoir is split among the latest reports
/// of every client of the fleet, whichever node each reports to (<see cref="ReservoirSplit"/>).
/// </remarks>
public sealed class SamplingApi
{
    /// <summary>The most rules an account may create besides <c>Default</c>, as X-Ray's quota.</summary>
    public const int MaxRules = SamplingRuleService.MaxRules;

    /// <summary>How often clients are told to report, in seconds, as X-Ray tells them.</summary>
    public const int TargetIntervalSeconds = 10;

    /// <summary>How recent a client's latest report must be for it to count in a split or a summary: three reporting intervals.</summary>
    public static readonly TimeSpan ActiveClientWindow = TimeSpan.FromSeconds(3 * TargetIntervalSeconds);

    /// <summary>How long a client's latest report is kept once it stops reporting.</summary>
    public static readonly TimeSpan StatisticsKept = TimeSpan.FromHours(1);

    private const int PageSize = 100;
    private const int MaxStatisticsDocuments = 25;

    private readonly SamplingRuleService _service;
    private readonly ISamplingRuleRepository _rules;
    private readonly TimeProvider _time;
    private readonly ILogger<SamplingApi> _logger;

    /// <summary>Creates the API.</summary>
    public SamplingApi(SamplingRuleService service, ISamplingRuleRepository rules, TimeProvider time, ILogger<SamplingApi> logger)
    {
        _service = service;
        _rules = rules;
        _time = time;
        _logger = logger;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "CreateSamplingRule", CreateSamplingRuleAsync)
        .Map(ApiProtocol.XRay, "UpdateSamplingRule", UpdateSamplingRuleAsync)
        .Map(ApiProtocol.XRay, "DeleteSamplingRule", DeleteSamplingRuleAsync)
        .Map(ApiProtocol.XRay, "GetSamplingRules", GetSamplingRulesAsync)
        .Map(ApiProtocol.XRay, "GetSamplingTargets", GetSamplingTargetsAsync)
        .Map(ApiProtocol.XRay, "GetSamplingStatisticSummaries", GetSamplingStatisticSummariesAsync);

    /// <summary>The ARN of an account's rule.</summary>
    public string RuleArn(string accountId, string ruleName) => _service.RuleArn(accountId, ruleName);

    /// <summary>The account's rules with <c>Default</c> (as X-Ray gives it until it is edited), in the order clients evaluate them: priority, then name.</summary>
    public Task<List<StoredSamplingRule>> ListRulesAsync(string accountId, CancellationToken cancellationToken) => _service.ListAsync(accountId, cancellationToken);

    /// <summary>
    /// Requires the caller may act on the rule: one it creates with <paramref name="creating"/> as its tags (<c>aws:RequestTag/KEY</c>,
    /// <c>aws:TagKeys</c>), or, when <paramref name="creating"/> is null, the stored one, whose tags are <c>aws:ResourceTag/KEY</c>.
    /// </summary>
    private async Task AuthorizeRuleAsync(ApiRequest request, string name, IReadOnlyList<KeyValuePair<string, string>>? creating)
    {
        var account = request.Caller.AccountId;
        var stored = creating is null ? await _rules.FindAsync(account, name, request.Http.RequestAborted).ConfigureAwait(false) : null;
        request.AuthorizeTagged(RuleArn(account, name), stored?.Tags ?? [], creating, creating?.Select(t => t.Key));
    }

    private async Task CreateSamplingRuleAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        if (!root.TryGetProperty("SamplingRule", out var definition) || definition.ValueKind != JsonValueKind.Object)
        {
            throw SamplingRuleJson.Invalid("SamplingRule is required.");
        }

        var account = request.Caller.AccountId;
        var name = RuleName(definition, account) ?? throw SamplingRuleJson.Invalid("SamplingRule.RuleName (or RuleARN) is required.");
        var tags = SamplingRuleJson.ReadTags(root);
        await AuthorizeRuleAsync(request, name, tags).ConfigureAwait(false);
        var rule = SamplingRuleJson.ReadRule(definition, name);
        var stored = await _service.CreateAsync(request.Caller, rule, tags, request.Http.RequestAborted).ConfigureAwait(false);
        await WriteRecordAsync(request, stored).ConfigureAwait(false);
    }

    private async Task UpdateSamplingRuleAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        if (!body.RootElement.TryGetProperty("SamplingRuleUpdate", out var update) || update.ValueKind != JsonValueKind.Object)
        {
            throw SamplingRuleJson.Invalid("SamplingRuleUpdate is required.");
        }

        var account = request.Caller.AccountId;
        var name = RuleName(update, account) ?? throw SamplingRuleJson.Invalid("SamplingRuleUpdate.RuleName (or RuleARN) is required.");
        await AuthorizeRuleAsync(request, name, creating: null).ConfigureAwait(false);
        var stored = await _service.UpdateAsync(request.Caller, name, rule => SamplingRuleJson.ApplyUpdate(update, rule), request.Http.RequestAborted).ConfigureAwait(false);
        await WriteRecordAsync(request, stored).ConfigureAwait(false);
    }

    private async Task DeleteSamplingRuleAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var account = request.Caller.AccountId;
        var name = RuleName(body.RootElement, account) ?? throw SamplingRuleJson.Invalid("RuleName (or RuleARN) is required.");
        await AuthorizeRuleAsync(request, name, creating: null).ConfigureAwait(false);
        var deleted = await _service.DeleteAsync(request.Caller, name, request.Http.RequestAborted).ConfigureAwait(false);
        await WriteRecordAsync(request, deleted).ConfigureAwait(false);
    }

    private async Task GetSamplingRulesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var after = ReadPageToken(body.RootElement, "rules");
        var account = request.Caller.AccountId;
        var rules = await ListRulesAsync(account, request.Http.RequestAborted).ConfigureAwait(false);
        var remaining = after is null ? rules : rules.SkipWhile(r => string.CompareOrdinal(RulesCursor(r), after) <= 0).ToList();
        var page = remaining.Take(PageSize).ToList();
        var next = remaining.Count > PageSize ? WritePageToken("rules", RulesCursor(page[^1])) : null;
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingRuleRecords");
            foreach (var rule in page)
            {
                SamplingRuleJson.WriteRecord(writer, rule, RuleArn(account, rule.Rule.Name));
            }

            writer.WriteEndArray();
            if (next is not null)
            {
                writer.WriteString("NextToken", next);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GetSamplingStatisticSummariesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var after = ReadPageToken(body.RootElement, "summaries");
        var account = request.Caller.AccountId;
        var cancellation = request.Http.RequestAborted;
        var known = (await ListRulesAsync(account, cancellation).ConfigureAwait(false)).Select(r => r.Rule.Name).ToHashSet(StringComparer.Ordinal);
        var reports = await _rules.RecentStatisticsAsync(account, Now() - ActiveClientWindow, cancellation).ConfigureAwait(false);
        var summaries = reports
            .Where(r => known.Contains(r.RuleName) && (after is null || string.CompareOrdinal(r.RuleName, after) > 0))
            .GroupBy(r => r.RuleName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var page = summaries.Take(PageSize).ToList();
        var next = summaries.Count > PageSize ? WritePageToken("summaries", page[^1].Key) : null;
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingStatisticSummaries");
            foreach (var rule in page)
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", rule.Key);
                writer.WriteNumber("Timestamp", SamplingRuleJson.Seconds(rule.Min(r => r.Timestamp)));
                writer.WriteNumber("RequestCount", Clamp(rule.Sum(r => r.RequestCount)));
                writer.WriteNumber("BorrowCount", Clamp(rule.Sum(r => r.BorrowCount)));
                writer.WriteNumber("SampledCount", Clamp(rule.Sum(r => r.SampledCount)));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (next is not null)
            {
                writer.WriteString("NextToken", next);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);

        static int Clamp(long count) => (int)Math.Min(count, int.MaxValue);
    }

    private async Task GetSamplingTargetsAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var now = Now();
        var statistics = ReadStatistics(root, now);
        var boostReports = ReadBoostStatistics(root);
        var account = request.Caller.AccountId;
        var cancellation = request.Http.RequestAborted;
        var rules = (await ListRulesAsync(account, cancellation).ConfigureAwait(false)).ToDictionary(r => r.Rule.Name, r => r.Rule, StringComparer.Ordinal);

        var known = statistics.Where(s => rules.ContainsKey(s.RuleName)).ToList();
        var unknown = statistics.Where(s => !rules.ContainsKey(s.RuleName)).Select(s => s.RuleName).ToList();
        var unknownBoosts = boostReports.Where(b => !rules.ContainsKey(b.RuleName)).Select(b => b.RuleName).ToList();

        // This client's report joins the fleet's before the split: every node splits from every client's latest report.
        await _rules.RecordStatisticsAsync(account, known, now - StatisticsKept, cancellation).ConfigureAwait(false);
        var fleet = await _rules.RecentStatisticsAsync(account, now - ActiveClientWindow, cancellation).ConfigureAwait(false);

        foreach (var anomalies in boostReports.Where(b => rules.ContainsKey(b.RuleName)).GroupBy(b => b.RuleName, StringComparer.Ordinal))
        {
            var rule = rules[anomalies.Key];
            if (rule.RateBoost is not { } allowed
                || SamplingBoostRate.For(rule.FixedRate, allowed, anomalies.Sum(a => a.Anomalies), anomalies.Sum(a => a.SampledAnomalies), anomalies.Sum(a => a.Total)) is not { } rate)
            {
                continue;
            }

            var boost = new SamplingBoostState(rule.Name, rate, now, now + SamplingBoostRate.Duration);
            if (await _rules.StartBoostAsync(account, boost, now - TimeSpan.FromMinutes(allowed.CooldownWindowMinutes), cancellation).ConfigureAwait(false) == boost)
            {
                LogMessages.SamplingBoostStarted(_logger, rule.Name, account, rate, boost.Until, anomalies.Sum(a => a.Anomalies), anomalies.Sum(a => a.Total));
            }
        }

        var boosts = (await _rules.BoostsAsync(account, cancellation).ConfigureAwait(false))
            .Where(b => b.Until > now && rules.TryGetValue(b.RuleName, out var rule) && rule.RateBoost is not null)
            .ToDictionary(b => b.RuleName, StringComparer.Ordinal);
        var lastChange = await _rules.LastChangeAsync(account, cancellation).ConfigureAwait(false);

        var targets = known.GroupBy(s => s.RuleName, StringComparer.Ordinal).Select(reported =>
        {
            var rule = rules[reported.Key];
            var quotas = ReservoirSplit.Split(rule.ReservoirSize, fleet.Where(f => f.RuleName == rule.Name).Select(f => (f.ClientId, f.RequestCount)));
            var quota = reported.Select(r => r.ClientId).Distinct(StringComparer.Ordinal).Sum(client => quotas.GetValueOrDefault(client));
            return (Rule: rule, Quota: quota, Boost: boosts.GetValueOrDefault(rule.Name));
        }).ToList();

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingTargetDocuments");
            foreach (var (rule, quota, boost) in targets)
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", rule.Name);
                writer.WriteNumber("FixedRate", rule.FixedRate);
                writer.WriteNumber("ReservoirQuota", quota);
                writer.WriteNumber("ReservoirQuotaTTL", SamplingRuleJson.Seconds(now.AddSeconds(TargetIntervalSeconds)));
                writer.WriteNumber("Interval", TargetIntervalSeconds);
                if (boost is not null)
                {
                    writer.WriteStartObject("SamplingBoost");
                    writer.WriteNumber("BoostRate", boost.Rate);
                    writer.WriteNumber("BoostRateTTL", SamplingRuleJson.Seconds(boost.Until));
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("LastRuleModification", lastChange is { } changed ? SamplingRuleJson.Seconds(changed) : 0.0);
            WriteUnprocessed(writer, "UnprocessedStatistics", unknown);
            WriteUnprocessed(writer, "UnprocessedBoostStatistics", unknownBoosts);
            writer.WriteEndObject();
        }).ConfigureAwait(false);

        static void WriteUnprocessed(Utf8JsonWriter writer, string name, List<string> rules)
        {
            writer.WriteStartArray(name);
            foreach (var rule in rules.Distinct(StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", rule);
                writer.WriteString("ErrorCode", "400");
                writer.WriteString("Message", $"The account has no sampling rule named '{rule}'.");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    private static List<SamplingStatistics> ReadStatistics(JsonElement root, DateTimeOffset now)
    {
        var documents = ReadDocuments(root, "SamplingStatisticsDocuments", required: true);
        var statistics = new List<SamplingStatistics>(documents.Count);
        foreach (var document in documents)
        {
            RequireMembers(document, "SamplingStatisticsDocuments", "RuleName", "ClientID", "Timestamp", "RequestCount", "SampledCount");
            var clientId = SamplingRuleJson.Text(document, "ClientID", 24, 24)!;
            statistics.Add(new SamplingStatistics(
                SamplingRuleJson.Text(document, "RuleName", 1, 32)!,
                clientId,
                Timestamp(document, "Timestamp"),
                SamplingRuleJson.Integer(document, "RequestCount", 0, int.MaxValue)!.Value,
                SamplingRuleJson.Integer(document, "SampledCount", 0, int.MaxValue)!.Value,
                SamplingRuleJson.Integer(document, "BorrowCount", 0, int.MaxValue) ?? 0,
                now));
        }

        return statistics;
    }

    private static List<(string RuleName, long Anomalies, long SampledAnomalies, long Total)> ReadBoostStatistics(JsonElement root)
    {
        var reports = new List<(string, long, long, long)>();
        foreach (var document in ReadDocuments(root, "SamplingBoostStatisticsDocuments", required: false))
        {
            RequireMembers(document, "SamplingBoostStatisticsDocuments", "RuleName", "ServiceName", "Timestamp", "AnomalyCount", "TotalCount", "SampledAnomalyCount");
            SamplingRuleJson.Text(document, "ServiceName", 0, 64);
            Timestamp(document, "Timestamp");
            reports.Add((
                SamplingRuleJson.Text(document, "RuleName", 1, 32)!,
                SamplingRuleJson.Integer(document, "AnomalyCount", 0, int.MaxValue)!.Value,
                SamplingRuleJson.Integer(document, "SampledAnomalyCount", 0, int.MaxValue)!.Value,
                SamplingRuleJson.Integer(document, "TotalCount", 0, int.MaxValue)!.Value));
        }

        return reports;
    }

    private static List<JsonElement> ReadDocuments(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var documents) || documents.ValueKind == JsonValueKind.Null)
        {
            return required ? throw SamplingRuleJson.Invalid($"{name} is required.") : [];
        }

        if (documents.ValueKind != JsonValueKind.Array)
        {
            throw SamplingRuleJson.Invalid($"{name} must be a list.");
        }

        if (documents.GetArrayLength() > MaxStatisticsDocuments)
        {
            throw SamplingRuleJson.Invalid($"{name} holds {documents.GetArrayLength()} documents; at most {MaxStatisticsDocuments} are accepted.");
        }

        var list = documents.EnumerateArray().ToList();
        if (list.Any(d => d.ValueKind != JsonValueKind.Object))
        {
            throw SamplingRuleJson.Invalid($"Each of {name} must be an object.");
        }

        return list;
    }

    private static void RequireMembers(JsonElement document, string list, params string[] members)
    {
        foreach (var member in members)
        {
            if (!SamplingRuleJson.Has(document, member))
            {
                throw SamplingRuleJson.Invalid($"{member} is required in each of {list}.");
            }
        }
    }

    private static DateTimeOffset Timestamp(JsonElement document, string name)
    {
        var value = document.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !(seconds >= 0 && seconds <= 253402300799))
        {
            throw SamplingRuleJson.Invalid($"{name} must be a time in epoch seconds.");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    /// <summary>The rule a request names by <c>RuleName</c> or <c>RuleARN</c> (both: the same rule), or null when it names none.</summary>
    private string? RuleName(JsonElement element, string accountId)
    {
        var name = SamplingRuleJson.Text(element, "RuleName", 1, 32);
        var arn = SamplingRuleJson.Text(element, "RuleARN", 0, 2048);
        if (arn is not null)
        {
            var prefix = RuleArn(accountId, "");
            var fromArn = arn.StartsWith(prefix, StringComparison.Ordinal) ? arn[prefix.Length..] : null;
            if (string.IsNullOrEmpty(fromArn))
            {
                throw SamplingRuleJson.Invalid($"RuleARN '{arn}' is not a sampling rule of this account and region ({prefix}NAME).");
            }

            if (name is not null && name != fromArn)
            {
                throw SamplingRuleJson.Invalid("RuleName and RuleARN name different rules: give one of them.");
            }

            name = fromArn;
        }

        if (name is not null)
        {
            SamplingRuleService.CheckName(name);
        }

        return name;
    }

    private static string RulesCursor(StoredSamplingRule rule) => rule.Rule.Priority.ToString("D5", CultureInfo.InvariantCulture) + "/" + rule.Rule.Name;

    private static string WritePageToken(string list, string after) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(list + "|" + after));

    private static string? ReadPageToken(JsonElement root, string list)
    {
        var token = SamplingRuleJson.Text(root, "NextToken", 0, 4096);
        if (token is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (text.StartsWith(list + "|", StringComparison.Ordinal))
            {
                return text[(list.Length + 1)..];
            }
        }
        catch (FormatException)
        {
        }

        throw SamplingRuleJson.Invalid("The NextToken is not valid: give the NextToken of the previous page of this operation.");
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    private Task WriteRecordAsync(ApiRequest request, StoredSamplingRule stored) => ApiResponses.WriteAsync(request, writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("SamplingRuleRecord");
        SamplingRuleJson.WriteRecord(writer, stored, RuleArn(request.Caller.AccountId, stored.Rule.Name));
        writer.WriteEndObject();
    });
}
