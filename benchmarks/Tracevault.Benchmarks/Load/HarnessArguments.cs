using System.Globalization;

namespace Tracevault.Benchmarks.Load;

/// <summary><c>--name value</c> pairs of the harness and client command lines.</summary>
internal sealed class HarnessArguments
{
    private readonly Dictionary<string, string> _values;

    private HarnessArguments(Dictionary<string, string> values) => _values = values;

    public static HarnessArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            var name = args[i][2..];
            values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        return new HarnessArguments(values);
    }

    public string? String(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => String(name) ?? throw new ArgumentException($"--{name} is required.");

    public long Long(string name, long defaultValue) => _values.TryGetValue(name, out var text)
        ? long.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture)
        : defaultValue;

    public int Int(string name, int defaultValue) => (int)Long(name, defaultValue);

    public bool Flag(string name) => _values.ContainsKey(name);
}
