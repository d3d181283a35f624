using Tracevault.Core.Policies;

namespace Tracevault.Core.Tests.Policies;

/// <summary>Requests with fixed accounts, users and keys, shared by the policy tests.</summary>
internal static class AuthorizationRequests
{
    public const string Account = "111122223333";
    public const string OtherAccount = "444455556666";
    public const string AliceArn = "arn:aws:iam::111122223333:user/alice";
    public const string BobArn = "arn:aws:iam::111122223333:user/bob";
    public const string MalloryArn = "arn:aws:iam::444455556666:user/mallory";
    public const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    public static AuthorizationRequest ForAlice(string action, string resource = KeyArn, Dictionary<string, IReadOnlyList<string>>? context = null) =>
        new(AliceArn, Account, action, resource, context ?? []);

    public static AuthorizationRequest ForUser(string principalArn, string account, string action, string resource = KeyArn) =>
        new(principalArn, account, action, resource, new Dictionary<string, IReadOnlyList<string>>());

    public static AuthorizationRequest ForService(string service, string action, string resource = KeyArn) =>
        new(service, string.Empty, action, resource, new Dictionary<string, IReadOnlyList<string>>()) { PrincipalIsService = true };

    public static Dictionary<string, IReadOnlyList<string>> Context(string key, params string[] values) =>
        new() { [key] = values };
}
