using System.Globalization;
using Npgsql;

namespace Tracevault.Storage.Postgres;

/// <summary>Reads what <c>--postgres</c> is given: an Npgsql connection string (<c>Host=…;Database=…</c>) or a <c>postgresql://</c> URL as libpq takes it.</summary>
public static class PostgresConnectionString
{
    /// <summary>The Npgsql connection string for <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">It is neither.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUrl(value);
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException("--postgres takes an Npgsql connection string (Host=…;Database=…;Username=…) or a postgresql:// URL: " + exception.Message, nameof(value), exception);
        }
    }

    /// <summary>Where a connection string points, without its password: <c>host:port/database as user</c>, for logs and messages.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}");
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host) && !url.Query.Contains("host=", StringComparison.Ordinal))
        {
            throw new ArgumentException("--postgres: not a valid postgresql:// URL (postgresql://user:password@host:port/database).", nameof(value));
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = url.Host.Length > 0 ? url.Host : null };
        if (!url.IsDefaultPort && url.Port > 0)
        {
            builder.Port = url.Port;
        }

        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var parameter = Uri.UnescapeDataString(equals < 0 ? string.Empty : pair[(equals + 1)..]);
            // libpq's names for what Npgsql calls otherwise; anything else is given to Npgsql as named.
            var key = name.ToLowerInvariant() switch
            {
                "sslmode" => "SSL Mode",
                "sslrootcert" => "Root Certificate",
                "sslcert" => "SSL Certificate",
                "sslkey" => "SSL Key",
                "connect_timeout" => "Timeout",
                "application_name" => "Application Name",
                "host" => "Host",
                "port" => "Port",
                "user" => "Username",
                "password" => "Password",
                "dbname" => "Database",
                _ => name,
            };
            try
            {
                builder[key] = parameter;
            }
            catch (ArgumentException exception)
            {
                throw new ArgumentException($"--postgres: the URL's parameter '{name}' is not one Npgsql knows.", nameof(value), exception);
            }
        }

        return builder;
    }
}
