using Tracevault.Core.Identity;
using Tracevault.Core.Sampling;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Storage.Sampling;

namespace Tracevault.Server.XRay;

/// <summary>An account's sampling rules as the API and the console change them: the implied <c>Default</c> rule, names, ARNs, limits and X-Ray's errors.</summary>
/// <remarks>Callers authorize first (the rule's ARN, with the operation's action); every answer is read from the store every node shares.</remarks>
public sealed class SamplingRuleService
{
    /// <summary>The most rules an account may create besides <c>Default</c>, as X-Ray's quota.</summary>
    public const int MaxRules = 25;

    /// <summary>The longest rule name, in characters.</summary>
    public const int MaxNameLength = 32;

    private readonly ServerOptions _options;
    private readonly ISamplingRuleRepository _rules;
    private readonly TimeProvider _time;
    private readonly ILogger<SamplingRuleService> _logger;

    /// <summary>Creates the service.</summary>
    public SamplingRuleService(ServerOptions options, ISamplingRuleRepository rules, TimeProvider time, ILogger<SamplingRuleService> logger)
    {
        _options = options;
        _rules = rules;
        _time = time;
        _logger = logger;
    }

    /// <summary>The ARN of an account's rule.</summary>
    public string RuleArn(string accountId, string ruleName) => $"arn:aws:xray:{_options.Region}:{accountId}:sampling-rule/{ruleName}";

    /// <summary>The account's rules with <c>Default</c> (as X-Ray gives it until it is edited), in the order clients evaluate them: priority, then name.</summary>
    public async Task<List<StoredSamplingRule>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        var rules = (await _rules.ListAsync(accountId, cancellationToken).ConfigureAwait(false)).ToList();
        if (!rules.Any(r => r.Rule.IsDefault))
        {
            rules.Add(DefaultRule(accountId));
        }

        rules.Sort((a, b) => a.Rule.Priority != b.Rule.Priority ? a.Rule.Priority.CompareTo(b.Rule.Priority) : string.CompareOrdinal(a.Rule.Name, b.Rule.Name));
        return rules;
    }

    /// <summary>One rule of the account (<c>Default</c> even before it was edited), or null when it has none of that name.</summary>
    public async Task<StoredSamplingRule?> FindAsync(string accountId, string ruleName, CancellationToken cancellationToken) =>
        await _rules.FindAsync(accountId, ruleName, cancellationToken).ConfigureAwait(false)
        ?? (ruleName == SamplingRule.DefaultName ? DefaultRule(accountId) : null);

    /// <summary>Checks a rule name: 1 to 32 letters, digits, hyphens and underscores.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> saying what is wrong with it.</exception>
    public static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw SamplingRuleJson.Invalid($"RuleName '{name}' may hold only letters, digits, hyphens and underscores.");
        }

        if (name.Length is < 1 or > MaxNameLength)
        {
            throw SamplingRuleJson.Invalid("RuleName must be 1 to 32 characters long.");
        }
    }

    /// <summary>Stores a new rule, which <paramref name="caller"/> was authorized to create.</summary>
    /// <exception cref="ApiException">The name is taken (or is <c>Default</c>), or the account holds <see cref="MaxRules"/> rules.</exception>
    public async Task<StoredSamplingRule> CreateAsync(Caller caller, SamplingRule rule, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(rule);
        var now = Now();
        var stored = new StoredSamplingRule(caller.AccountId, rule, now, now, tags);
        var outcome = rule.IsDefault
            ? SamplingRuleCreation.NameTaken
            : await _rules.CreateAsync(stored, MaxRules, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case SamplingRuleCreation.NameTaken:
                throw SamplingRuleJson.Invalid($"A sampling rule named '{rule.Name}' already exists.");
            case SamplingRuleCreation.LimitReached:
                throw new ApiException("RuleLimitExceededException", $"The account has {MaxRules} sampling rules besides Default, the most it may have: delete one first.");
        }

        LogMessages.SamplingRuleChanged(_logger, rule.Name, caller.AccountId, "created", caller.Arn);
        return stored;
    }

    /// <summary>Changes a rule as <paramref name="change"/> says (which validates it), once <paramref name="caller"/> was authorized to update it.</summary>
    /// <exception cref="ApiException">The account has no such rule, or <paramref name="change"/> refused the change.</exception>
    public async Task<StoredSamplingRule> UpdateAsync(Caller caller, string ruleName, Func<SamplingRule, SamplingRule> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(change);
        var account = caller.AccountId;
        var current = await FindAsync(account, ruleName, cancellationToken).ConfigureAwait(false) ?? throw NoSuchRule(ruleName);
        var stored = current with { Rule = change(current.Rule), ModifiedAt = Now() };
        if (!await _rules.UpdateAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            // The Default rule is stored the first time it is edited; a rule deleted meanwhile is gone.
            if (!current.Rule.IsDefault)
            {
                throw NoSuchRule(ruleName);
            }

            stored = stored with { CreatedAt = stored.ModifiedAt };
            if (await _rules.CreateAsync(stored, MaxRules, cancellationToken).ConfigureAwait(false) != SamplingRuleCreation.Created)
            {
                await _rules.UpdateAsync(stored, cancellationToken).ConfigureAwait(false);
            }
        }

        LogMessages.SamplingRuleChanged(_logger, ruleName, account, "updated", caller.Arn);
        return stored;
    }

    /// <summary>Deletes a rule, once <paramref name="caller"/> was authorized to delete it; answers it as it was.</summary>
    /// <exception cref="ApiException">It is the <c>Default</c> rule, or the account has no such rule.</exception>
    public async Task<StoredSamplingRule> DeleteAsync(Caller caller, string ruleName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (ruleName == SamplingRule.DefaultName)
        {
            throw SamplingRuleJson.Invalid("The Default sampling rule can't be deleted; update its FixedRate and ReservoirSize instead.");
        }

        var deleted = await _rules.DeleteAsync(caller.AccountId, ruleName, Now(), cancellationToken).ConfigureAwait(false) ?? throw NoSuchRule(ruleName);
        LogMessages.SamplingRuleChanged(_logger, ruleName, caller.AccountId, "deleted", caller.Arn);
        return deleted;
    }

    /// <summary>The error for a rule the account does not have.</summary>
    public static ApiException NoSuchRule(string name) => SamplingRuleJson.Invalid($"The account has no sampling rule named '{name}'.");

    private static StoredSamplingRule DefaultRule(string accountId) =>
        new(accountId, SamplingRule.Default, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, []);

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
}
