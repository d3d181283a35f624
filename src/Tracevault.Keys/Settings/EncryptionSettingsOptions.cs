namespace Tracevault.Keys.Settings;

/// <summary>How encryption settings propagate and how long KMS data keys are used; validated once at start-up.</summary>
public sealed class EncryptionSettingsOptions
{
    /// <summary>How long one KMS data key seals new chunks before the node asks for a new one. Default 5 minutes.</summary>
    public TimeSpan DataKeyWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many plaintext data keys a node keeps in memory, for sealing and for opening each. Default 1000.</summary>
    public int DataKeyCacheCapacity { get; set; } = 1000;

    /// <summary>How long a node keeps a data key it opened for a reader before asking the KMS again. Default 5 minutes.</summary>
    public TimeSpan DataKeyCacheMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a node looks for setting and key changes (made by any node) and reports itself alive. Default 250 milliseconds, at most 250 milliseconds: a key made unusable on one node stops every node within a second.</summary>
    public TimeSpan PropagationInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a node may stay silent before it no longer counts as live. Default 10 seconds.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (DataKeyWindow < TimeSpan.FromSeconds(1) || DataKeyWindow > TimeSpan.FromHours(24))
        {
            throw new ArgumentException("The data-key window must be between 1 second and 24 hours.");
        }

        if (DataKeyCacheCapacity < 1)
        {
            throw new ArgumentException("The data-key cache capacity must be at least 1.");
        }

        if (DataKeyCacheMaxAge < TimeSpan.FromSeconds(1) || DataKeyCacheMaxAge > TimeSpan.FromHours(24))
        {
            throw new ArgumentException("The data-key cache's maximum age must be between 1 second and 24 hours.");
        }

        if (PropagationInterval <= TimeSpan.Zero || PropagationInterval > TimeSpan.FromMilliseconds(250))
        {
            throw new ArgumentException("The propagation interval must be more than 0 and at most 250 milliseconds.");
        }

        if (NodeTimeout <= PropagationInterval * 2)
        {
            throw new ArgumentException("The node timeout must be more than twice the propagation interval.");
        }
    }
}
