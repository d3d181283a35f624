namespace Tracevault.Server.Http;

/// <summary>
/// The path prefix <c>/accounts/ACCOUNT</c> that sends a request into another account than the caller's, so any client reaches it by
/// its endpoint URL alone (e.g. <c>--endpoint-url http://127.0.0.1:2000/accounts/111122223333</c>).
/// </summary>
public static class AccountPath
{
    /// <summary>The prefix before the account id.</summary>
    public const string Prefix = "/accounts/";

    /// <summary>Splits <c>/accounts/ACCOUNT/REST</c> into the 12-digit account and <c>/REST</c>; false for any other path.</summary>
    public static bool TrySplit(string path, out string accountId, out string rest)
    {
        ArgumentNullException.ThrowIfNull(path);
        const int AccountLength = 12;
        var end = Prefix.Length + AccountLength;
        if (path.Length > end && path[end] == '/' && path.StartsWith(Prefix, StringComparison.Ordinal)
            && !path.AsSpan(Prefix.Length, AccountLength).ContainsAnyExceptInRange('0', '9'))
        {
            accountId = path.Substring(Prefix.Length, AccountLength);
            rest = path[end..];
            return true;
        }

        accountId = string.Empty;
        rest = path;
        return false;
    }
}
