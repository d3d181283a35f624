namespace Tracevault.Server.Console;

/// <summary>How the web console keeps its sessions; validated once at start-up.</summary>
public sealed class ConsoleOptions
{
    /// <summary>How long a console session lasts without a request before it ends and its user must sign in again. Default 1 hour.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (SessionIdleTimeout <= TimeSpan.Zero || SessionIdleTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentException("The console's session idle timeout must be between 0 and 24 hours.");
        }
    }
}
