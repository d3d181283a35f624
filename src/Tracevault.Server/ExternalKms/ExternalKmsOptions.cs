using Tracevault.Keys.External;

namespace Tracevault.Server.ExternalKms;

/// <summary>The external key service that speaks the AWS KMS API (<c>--external-kms</c>), and how Tracevault reaches it; validated once at start-up.</summary>
public sealed class ExternalKmsOptions
{
    /// <summary>The service's endpoint URL, e.g. <c>https://kms.eu-west-1.amazonaws.com</c>; null (the default) for none.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The profile of the shared credentials file to call it with; null (the default) for the standard AWS credential chain.</summary>
    public string? Profile { get; set; }

    /// <summary>The shared credentials file that holds <see cref="Profile"/>; null (the default) for the AWS SDK's usual files.</summary>
    public string? ProfilesLocation { get; set; }

    /// <summary>The principal Tracevault's credentials are in that service (its user or role ARN): the grantee of the grants Tracevault makes. Required with <see cref="Endpoint"/>.</summary>
    public string? Grantee { get; set; }

    /// <summary>How long one call may take before the service counts as unreachable. Default 5 seconds.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cache time and check interval of what the service says.</summary>
    public ExternalKeyOptions Keys { get; set; } = new();

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        Keys.Validate();
        if (Endpoint is null)
        {
            return;
        }

        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttps && Endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"--external-kms must be an http or https URL, not '{Endpoint}'.");
        }

        if (string.IsNullOrWhiteSpace(Grantee) || !Grantee.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new ArgumentException("--external-kms needs --external-kms-grantee: the ARN of the principal Tracevault's credentials are in that key service (its IAM user or role), which Tracevault's grants name.");
        }

        if (CallTimeout <= TimeSpan.Zero || CallTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("The external key service's call timeout must be more than 0 and at most 1 minute.");
        }
    }
}
