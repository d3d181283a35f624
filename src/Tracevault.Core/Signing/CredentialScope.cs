namespace Tracevault.Core.Signing;

/// <summary>The parts of a SigV4 credential, <c>AKID/YYYYMMDD/region/service/aws4_request</c>.</summary>
internal sealed record CredentialScope(string AccessKeyId, string Date, string Region, string Service, string Terminator)
{
    /// <summary>Gets the scope as it appears in the string to sign, <c>YYYYMMDD/region/service/aws4_request</c>.</summary>
    public string Scope => $"{Date}/{Region}/{Service}/{Terminator}";

    /// <summary>Parses a credential, or returns null when it does not have exactly five non-empty slash-delimited elements.</summary>
    public static CredentialScope? Parse(string credential)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || Array.Exists(parts, part => part.Length == 0))
        {
            return null;
        }

        return new CredentialScope(parts[0], parts[1], parts[2], parts[3], parts[4]);
    }
}
