namespace Tracevault.Keys.Kms;

/// <summary>How the key service behaves; validated once at start-up.</summary>
public sealed class KmsOptions
{
    /// <summary>The region key ARNs name. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>How often keys past their deletion date are destroyed even when nobody touches them. Default 1 minute.</summary>
    public TimeSpan DeletionSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Region))
        {
            throw new ArgumentException("The KMS region must be given.");
        }

        if (DeletionSweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("The deletion sweep interval must be positive.");
        }
    }
}
