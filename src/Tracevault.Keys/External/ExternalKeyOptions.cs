namespace Tracevault.Keys.External;

/// <summary>How long Tracevault trusts what an external key service said; validated once at start-up.</summary>
public sealed class ExternalKeyOptions
{
    /// <summary>How long a data key from the external service is used or kept opened, and how long a key's state may go unconfirmed. Default 5 minutes.</summary>
    public TimeSpan CacheTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each external key in use is checked with DescribeKey. Default 60 seconds.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (CacheTime < TimeSpan.FromSeconds(1) || CacheTime > TimeSpan.FromHours(24))
        {
            throw new ArgumentException("The external key service's cache time must be between 1 second and 24 hours.");
        }

        if (CheckInterval < TimeSpan.FromSeconds(1) || CheckInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("The external key service's check interval must be between 1 second and 1 hour.");
        }
    }
}
