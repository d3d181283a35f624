using System.Globalization;
using System.Text.Json;

namespace Tracevault.Core.Policies;

/// <summary>One statement of a policy document: its effect, and the principals, actions, resources and conditions it applies to.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class PolicyStatement
{
    private readonly WildcardPattern[] _actionPatterns;
    private readonly WildcardPattern[] _resourcePatterns;
    private readonly PolicyCondition[] _conditions;

    private PolicyStatement(
        string? sid,
        PolicyEffect effect,
        string[]? actions,
        string[]? notActions,
        string[]? resources,
        string[]? notResources,
        PrincipalSet? principals,
        PrincipalSet? notPrincipals,
        PolicyCondition[] conditions)
    {
        Sid = sid;
        Effect = effect;
        Actions = actions is null ? null : Array.AsReadOnly(actions);
        NotActions = notActions is null ? null : Array.AsReadOnly(notActions);
        Resources = resources is null ? null : Array.AsReadOnly(resources);
        NotResources = notResources is null ? null : Array.AsReadOnly(notResources);
        Principals = principals;
        NotPrincipals = notPrincipals;
        Conditions = Array.AsReadOnly(conditions);
        _conditions = conditions;

        // Actions are case-insensitive in AWS; resource ARNs are not.
        _actionPatterns = Compile(actions ?? notActions!, ignoreCase: true);
        _resourcePatterns = Compile(resources ?? notResources!, ignoreCase: false);
    }

    /// <summary>The statement id, or null when the statement has none.</summary>
    public string? Sid { get; }

    /// <summary>Whether the statement allows or denies what it matches.</summary>
    public PolicyEffect Effect { get; }

    /// <summary>The action patterns of the Action element, or null when the statement uses NotAction.</summary>
    public IReadOnlyList<string>? Actions { get; }

    /// <summary>The action patterns of the NotAction element, or null when the statement uses Action.</summary>
    public IReadOnlyList<string>? NotActions { get; }

    /// <summary>The resource ARN patterns of the Resource element, or null when the statement uses NotResource.</summary>
    public IReadOnlyList<string>? Resources { get; }

    /// <summary>The resource ARN patterns of the NotResource element, or null when the statement uses Resource.</summary>
    public IReadOnlyList<string>? NotResources { get; }

    /// <summary>The principals of the Principal element, or null when the statement has none.</summary>
    public PrincipalSet? Principals { get; }

    /// <summary>The principals of the NotPrincipal element, or null when the statement has none.</summary>
    public PrincipalSet? NotPrincipals { get; }

    /// <summary>The conditions of the Condition element, one per operator and key, all of which must hold; empty when there are none.</summary>
    public IReadOnlyList<PolicyCondition> Conditions { get; }

    /// <summary>Reads the statement at 1-based position <paramref name="number"/>, throwing <see cref="PolicyFormatException"/> that names it when it is malformed.</summary>
    internal static PolicyStatement Parse(JsonElement element, int number)
    {
        var where = $"Statement {number.ToString(CultureInfo.InvariantCulture)}";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyFormatException($"{where} must be an object, not {PolicyElementReader.Describe(element.ValueKind)}.");
        }

        string? sid = null;
        if (element.TryGetProperty(nameof(Sid), out var sidElement))
        {
            sid = PolicyElementReader.ReadString(sidElement, $"{where}: Sid");
            where = $"{where} (Sid \"{sid}\")";
        }

        PolicyEffect? effect = null;
        string[]? actions = null;
        string[]? notActions = null;
        string[]? resources = null;
        string[]? notResources = null;
        PrincipalSet? principals = null;
        PrincipalSet? notPrincipals = null;
        PolicyCondition[] conditions = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            PolicyElementReader.MarkSeen(seen, property.Name, where);
            var elementWhere = $"{where}: {property.Name}";
            switch (property.Name)
            {
                case "Sid":
                    break;
                case "Effect":
                    effect = ReadEffect(property.Value, elementWhere);
                    break;
                case "Action":
                    actions = ReadActions(property.Value, elementWhere);
                    break;
                case "NotAction":
                    notActions = ReadActions(property.Value, elementWhere);
                    break;
                case "Resource":
                    resources = ReadResources(property.Value, elementWhere);
                    break;
                case "NotResource":
                    notResources = ReadResources(property.Value, elementWhere);
                    break;
                case "Principal":
                    principals = PrincipalSet.Parse(property.Value, elementWhere);
                    break;
                case "NotPrincipal":
                    notPrincipals = PrincipalSet.Parse(property.Value, elementWhere);
                    break;
                case "Condition":
                    conditions = PolicyCondition.ParseBlock(property.Value, elementWhere);
                    break;
                default:
                    throw new PolicyFormatException($"{where} has the unknown element \"{property.Name}\"; a statement may have Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition (names are case-sensitive).");
            }
        }

        if (effect is null)
        {
            throw new PolicyFormatException($"{where} has no Effect; it must be \"Allow\" or \"Deny\".");
        }

        RequireExactlyOne(actions, notActions, "Action", "NotAction", where);
        RequireExactlyOne(resources, notResources, "Resource", "NotResource", where);
        if (principals is not null && notPrincipals is not null)
        {
            throw new PolicyFormatException($"{where} has both Principal and NotPrincipal; use one.");
        }

        if (notPrincipals is not null && effect == PolicyEffect.Allow)
        {
            throw new PolicyFormatException($"{where} has NotPrincipal with Effect \"Allow\"; NotPrincipal is supported only with \"Deny\".");
        }

        return new PolicyStatement(sid, effect.Value, actions, notActions, resources, notResources, principals, notPrincipals, conditions);
    }

    /// <summary>Whether the statement's Action or NotAction and Resource or NotResource elements cover the request.</summary>
    internal bool MatchesActionAndResource(AuthorizationRequest request) =>
        MatchesAny(_actionPatterns, request.Action) == (Actions is not null)
        && MatchesAny(_resourcePatterns, request.Resource) == (Resources is not null);

    /// <summary>Says how the statement's Principal or NotPrincipal element applies to the caller; <paramref name="whenAbsent"/> is the answer for a statement with neither.</summary>
    internal PrincipalMatch MatchPrincipal(AuthorizationRequest request, PrincipalMatch whenAbsent)
    {
        if (Principals is not null)
        {
            return Principals.Match(request);
        }

        if (NotPrincipals is not null)
        {
            return NotPrincipals.Match(request) == PrincipalMatch.None ? PrincipalMatch.Principal : PrincipalMatch.None;
        }

        return whenAbsent;
    }

    /// <summary>Whether every condition holds for a request with <paramref name="context"/>.</summary>
    internal bool ConditionsHold(IReadOnlyDictionary<string, IReadOnlyList<string>> context)
    {
        foreach (var condition in _conditions)
        {
            if (!condition.IsSatisfiedBy(context))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesAny(WildcardPattern[] patterns, string text)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(text))
            {
                return true;
            }
        }

        return false;
    }

    private static WildcardPattern[] Compile(string[] patterns, bool ignoreCase)
    {
        var compiled = new WildcardPattern[patterns.Length];
        for (var i = 0; i < patterns.Length; i++)
        {
            compiled[i] = WildcardPattern.Create(patterns[i], ignoreCase);
        }

        return compiled;
    }

    private static PolicyEffect ReadEffect(JsonElement element, string where)
    {
        var text = PolicyElementReader.ReadString(element, where);
        return text switch
        {
            "Allow" => PolicyEffect.Allow,
            "Deny" => PolicyEffect.Deny,
            _ => throw new PolicyFormatException($"{where} must be \"Allow\" or \"Deny\" (case-sensitive), not \"{text}\"."),
        };
    }

    private static string[] ReadActions(JsonElement element, string where)
    {
        var actions = PolicyElementReader.ReadStrings(element, where);
        foreach (var action in actions)
        {
            var colon = action.IndexOf(':', StringComparison.Ordinal);
            if (action != "*" && (colon <= 0 || colon == action.Length - 1))
            {
                throw new PolicyFormatException($"{where} \"{action}\" must be \"*\" or of the form service:action, such as kms:Encrypt or kms:*.");
            }
        }

        return actions;
    }

    private static string[] ReadResources(JsonElement element, string where)
    {
        var resources = PolicyElementReader.ReadStrings(element, where);
        foreach (var resource in resources)
        {
            if (resource != "*" && !resource.StartsWith("arn:", StringComparison.Ordinal))
            {
                throw new PolicyFormatException($"{where} \"{resource}\" must be \"*\" or an ARN such as arn:aws:kms:us-east-1:111122223333:key/*.");
            }
        }

        return resources;
    }

    private static void RequireExactlyOne(string[]? first, string[]? second, string firstName, string secondName, string where)
    {
        if (first is null && second is null)
        {
            throw new PolicyFormatException($"{where} has neither {firstName} nor {secondName}.");
        }

        if (first is not null && second is not null)
        {
            throw new PolicyFormatException($"{where} has both {firstName} and {secondName}; use one.");
        }
    }
}
