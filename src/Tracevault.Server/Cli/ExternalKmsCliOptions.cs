using System.CommandLine;
using System.Globalization;
using Tracevault.Server.ExternalKms;

namespace Tracevault.Server.Cli;

/// <summary>The <c>serve</c> options of the external key service: where it is, which credentials and grantee, how long its answers hold.</summary>
internal sealed class ExternalKmsCliOptions
{
    /// <summary>The <c>--external-kms</c> option.</summary>
    public Option<string?> Endpoint { get; } = new("--external-kms")
    {
        Description = "The endpoint URL of an external key service that speaks the AWS KMS API (e.g. https://kms.eu-west-1.amazonaws.com): encryption settings may then name its keys by ARN. Default none.",
    };

    /// <summary>The <c>--external-kms-profile</c> option.</summary>
    public Option<string?> Profile { get; } = new("--external-kms-profile")
    {
        Description = "The shared-credentials profile to call the external key service with (default: the standard AWS credential chain: environment, AWS_PROFILE, shared files, container and instance roles).",
    };

    /// <summary>The <c>--external-kms-grantee</c> option.</summary>
    public Option<string?> Grantee { get; } = new("--external-kms-grantee")
    {
        Description = "The ARN of the principal those credentials are in the external key service (its IAM user or role): Tracevault's grants there name it. Required with --external-kms.",
    };

    /// <summary>The <c>--external-kms-cache</c> option.</summary>
    public Option<string> Cache { get; } = new("--external-kms-cache")
    {
        Description = "How long a data key from the external key service is used or kept opened, and so how soon a key disabled there stops storing here: seconds, or a number with s, m or h (default 5m).",
        DefaultValueFactory = _ => "5m",
    };

    /// <summary>The <c>--external-kms-check-interval</c> option.</summary>
    public Option<string> CheckInterval { get; } = new("--external-kms-check-interval")
    {
        Description = "How often each external key in use is checked with DescribeKey: seconds, or a number with s, m or h (default 60s).",
        DefaultValueFactory = _ => "60s",
    };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [Endpoint, Profile, Grantee, Cache, CheckInterval];

    /// <summary>Reads the options into <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A value is not one its option takes.</exception>
    public void Read(ServeSettings settings, ExternalKmsOptions options)
    {
        if (settings.Get(Endpoint) is { Length: > 0 } endpoint)
        {
            options.Endpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"--external-kms: '{endpoint}' is not a URL.");
        }

        options.Profile = settings.Get(Profile) is { Length: > 0 } profile ? profile : null;
        options.Grantee = settings.Get(Grantee) is { Length: > 0 } grantee ? grantee : null;
        options.Keys.CacheTime = Duration(Cache.Name, settings.Get(Cache));
        options.Keys.CheckInterval = Duration(CheckInterval.Name, settings.Get(CheckInterval));
    }

    private static TimeSpan Duration(string option, string text)
    {
        var (number, unit) = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? (text[..^1], text[^1]) : (text, 's');
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || double.IsInfinity(value))
        {
            throw new ArgumentException($"{option}: '{text}' is not a duration (seconds, or a number with s, m or h).");
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new ArgumentException($"{option}: '{text}' is not a duration (seconds, or a number with s, m or h)."),
        };
    }
}
