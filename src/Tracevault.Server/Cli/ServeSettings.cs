using System.CommandLine;
using System.Globalization;

namespace Tracevault.Server.Cli;

/// <summary>
/// Where each <c>serve</c> option's value comes from: the command line, else its <c>TRACEVAULT_*</c> environment variable, else
/// the JSON file given by <c>--config</c> (or <c>TRACEVAULT_CONFIG</c>), else the option's default.
/// </summary>
/// <remarks>
/// One mechanism for every option: an option joins by being read through <see cref="Get{T}"/>; its variable's name
/// (<c>--udp-receive-buffer</c> → <c>TRACEVAULT_UDP_RECEIVE_BUFFER</c>) and its key in the file (<c>"udp-receive-buffer"</c>) follow from its name.
/// </remarks>
internal sealed class ServeSettings
{
    /// <summary>The variable that names a configuration file when <c>--config</c> is not given.</summary>
    public const string ConfigVariable = "TRACEVAULT_CONFIG";

    private readonly ParseResult _parse;
    private readonly IConfiguration _configuration;

    private ServeSettings(ParseResult parse, IConfiguration configuration)
    {
        _parse = parse;
        _configuration = configuration;
    }

    /// <summary>The <c>--config FILE</c> option.</summary>
    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = $"A JSON file of serve settings, keys as the options' names without dashes, e.g. {{\"listen\": \"0.0.0.0:2000\", \"retention-days\": 7}} [env: {ConfigVariable}].",
    };

    /// <summary>The environment variable that sets <paramref name="option"/>.</summary>
    public static string VariableName(Option option) => "TRACEVAULT_" + Key(option).Replace('-', '_').ToUpperInvariant();

    /// <summary>Names each option's environment variable in its help text.</summary>
    public static void DescribeVariables(Command command) =>
        DescribeVariables(command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--config" && o is not System.CommandLine.Help.HelpOption));

    /// <summary>Names each of <paramref name="options"/>' environment variable in its help text.</summary>
    public static void DescribeVariables(IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            option.Description += $" [env: {VariableName(option)}]";
        }
    }

    /// <summary>Reads the configuration file (when one is named, by <paramref name="config"/> if the command has it, else by <see cref="ConfigVariable"/>) and the environment variables of <paramref name="command"/>'s options.</summary>
    /// <exception cref="ArgumentException">The file is missing or not a JSON object of settings.</exception>
    public static ServeSettings Load(ParseResult parse, Command command, Option<string?>? config)
    {
        var builder = new ConfigurationBuilder();
        if (((config is null ? null : parse.GetValue(config)) ?? Environment.GetEnvironmentVariable(ConfigVariable)) is { Length: > 0 } file)
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new ArgumentException($"The configuration file {path} does not exist.");
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in command.Options)
        {
            if (Environment.GetEnvironmentVariable(VariableName(option)) is { } value)
            {
                variables[Key(option)] = value;
            }
        }

        builder.AddInMemoryCollection(variables);
        try
        {
            return new ServeSettings(parse, builder.Build());
        }
        catch (InvalidDataException exception)
        {
            throw new ArgumentException($"The configuration file is not a JSON object of settings: {exception.Message}", exception);
        }
    }

    /// <summary>The option's value: from the command line, else the environment, else the file, else its default.</summary>
    /// <exception cref="ArgumentException">The value from the environment or the file is not one the option takes.</exception>
    public T Get<T>(Option<T> option)
    {
        if (_parse.GetResult(option) is { Implicit: false } || _configuration[Key(option)] is not { } text)
        {
            return _parse.GetValue(option)!;
        }

        try
        {
            var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
            return (T)Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException or InvalidCastException)
        {
            throw new ArgumentException($"'{text}' is not a value {option.Name} takes (from {VariableName(option)} or the configuration file's \"{Key(option)}\").", exception);
        }
    }

    /// <summary>A repeatable option's values: from the command line, else the environment (comma-separated), else the file (a JSON array or a comma-separated string), else none.</summary>
    public IReadOnlyList<string> GetList(Option<string[]> option)
    {
        if (_parse.GetResult(option) is { Implicit: false })
        {
            return _parse.GetValue(option) ?? [];
        }

        var section = _configuration.GetSection(Key(option));
        var values = section.Value is { } text ? text.Split(',') : section.GetChildren().Select(child => child.Value ?? "");
        return [.. values.Select(value => value.Trim()).Where(value => value.Length > 0)];
    }

    private static string Key(Option option) => option.Name.TrimStart('-');
}
