using System.Text.Json;

namespace Tracevault.Core.Policies;

/// <summary>The principals a Principal or NotPrincipal element names: everyone, AWS accounts and IAM identities, and AWS service principals.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class PrincipalSet
{
    private const string AwsKey = "AWS";
    private const string ServiceKey = "Service";

    private readonly string[] _exactArns;
    private readonly string[] _accounts;
    private readonly string[] _services;

    private PrincipalSet(bool isEveryone, string[] awsPrincipals, string[] servicePrincipals, string[] exactArns, string[] accounts)
    {
        IsEveryone = isEveryone;
        AwsPrincipals = Array.AsReadOnly(awsPrincipals);
        ServicePrincipals = Array.AsReadOnly(servicePrincipals);
        _exactArns = exactArns;
        _accounts = accounts;
        _services = servicePrincipals;
    }

    /// <summary>Whether the set names everyone, written <c>"*"</c> or <c>{"AWS": "*"}</c>.</summary>
    public bool IsEveryone { get; }

    /// <summary>The AWS principals as written: <c>*</c>, 12-digit account ids, account root ARNs and exact IAM ARNs.</summary>
    public IReadOnlyList<string> AwsPrincipals { get; }

    /// <summary>The service principals as written, such as <c>xray.amazonaws.com</c>.</summary>
    public IReadOnlyList<string> ServicePrincipals { get; }

    /// <summary>Reads a Principal or NotPrincipal element, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when it is malformed.</summary>
    internal static PrincipalSet Parse(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString();
            return text == "*"
                ? new PrincipalSet(isEveryone: true, ["*"], [], [], [])
                : throw new PolicyFormatException($"{where} must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}, not the string \"{text}\".");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyFormatException($"{where} must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}, not {PolicyElementReader.Describe(element.ValueKind)}.");
        }

        string[] aws = [];
        string[] services = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            PolicyElementReader.MarkSeen(seen, property.Name, where);
            switch (property.Name)
            {
                case AwsKey:
                    aws = PolicyElementReader.ReadStrings(property.Value, $"{where} AWS");
                    break;
                case ServiceKey:
                    services = PolicyElementReader.ReadStrings(property.Value, $"{where} Service");
                    break;
                default:
                    throw new PolicyFormatException($"{where} has the principal type \"{property.Name}\"; only \"AWS\" and \"Service\" are supported.");
            }
        }

        if (seen.Count == 0)
        {
            throw new PolicyFormatException($"{where} must name at least one principal.");
        }

        var isEveryone = false;
        var exactArns = new List<string>();
        var accounts = new List<string>();
        foreach (var principal in aws)
        {
            if (principal == "*")
            {
                isEveryone = true;
            }
            else if (principal.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                throw new PolicyFormatException($"{where} AWS \"{principal}\" has a wildcard; only \"*\" alone may name every principal.");
            }
            else if (IsAccountId(principal))
            {
                accounts.Add(principal);
            }
            else if (TryReadRootAccount(principal, out var account))
            {
                accounts.Add(account);
            }
            else if (IsIamArn(principal))
            {
                exactArns.Add(principal);
            }
            else
            {
                throw new PolicyFormatException($"{where} AWS \"{principal}\" is not \"*\", a 12-digit account id or an ARN such as arn:aws:iam::111122223333:user/alice.");
            }
        }

        foreach (var service in services)
        {
            if (service.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                throw new PolicyFormatException($"{where} Service \"{service}\" has a wildcard; service principals are named exactly, such as xray.amazonaws.com.");
            }
        }

        return new PrincipalSet(isEveryone, aws, services, [.. exactArns], [.. accounts]);
    }

    /// <summary>Says whether and how the set names the caller of <paramref name="request"/>.</summary>
    internal PrincipalMatch Match(AuthorizationRequest request)
    {
        if (IsEveryone)
        {
            return PrincipalMatch.Principal;
        }

        if (request.PrincipalIsService)
        {
            foreach (var service in _services)
            {
                if (string.Equals(service, request.PrincipalArn, StringComparison.OrdinalIgnoreCase))
                {
                    return PrincipalMatch.Principal;
                }
            }

            return PrincipalMatch.None;
        }

        foreach (var arn in _exactArns)
        {
            if (string.Equals(arn, request.PrincipalArn, StringComparison.Ordinal))
            {
                return PrincipalMatch.Principal;
            }
        }

        foreach (var account in _accounts)
        {
            if (string.Equals(account, request.PrincipalAccount, StringComparison.Ordinal))
            {
                return PrincipalMatch.Account;
            }
        }

        return PrincipalMatch.None;
    }

    private static bool IsAccountId(ReadOnlySpan<char> text) =>
        text.Length == 12 && !text.ContainsAnyExceptInRange('0', '9');

    private static bool TryReadRootAccount(string arn, out string account)
    {
        // arn:PARTITION:iam::ACCOUNT:root
        var parts = arn.Split(':');
        if (parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2] == "iam" && parts[3].Length == 0
            && IsAccountId(parts[4]) && parts[5] == "root")
        {
            account = parts[4];
            return true;
        }

        account = string.Empty;
        return false;
    }

    private static bool IsIamArn(string arn)
    {
        // arn:PARTITION:iam::ACCOUNT:user/NAME, or an sts assumed-role ARN.
        var parts = arn.Split(':', 6);
        return parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2] is "iam" or "sts"
            && parts[3].Length == 0 && IsAccountId(parts[4]) && parts[5].Length > 0;
    }
}
