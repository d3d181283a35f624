namespace Tracevault.Server.Console;

/// <summary>How the web console keeps its sessions and limits sign-in attempts; validated once at start-up.</summary>
public sealed class ConsoleOptions
{
    /// <summary>How long a console session lasts without a request before it ends and its user must sign in again. Default 1 hour.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many failed sign-ins an access key, or a client address, may have before each further attempt must wait. Default 5.</summary>
    public int SignInFreeFailures { get; set; } = 5;

    /// <summary>The longest wait between sign-in attempts after repeated failures (the wait starts at 1 second and doubles). Default 60 seconds.</summary>
    public TimeSpan SignInMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (SessionIdleTimeout <= TimeSpan.Zero || SessionIdleTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentException("The console's session idle timeout must be between 0 and 24 hours.");
        }

        if (SignInFreeFailures is < 1 or > 100)
        {
            throw new ArgumentException("The console's free sign-in failures must be between 1 and 100.");
        }

        if (SignInMaxDelay < TimeSpan.FromSeconds(1) || SignInMaxDelay > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("The console's longest sign-in wait must be between 1 second and 1 hour.");
        }
    }
}
