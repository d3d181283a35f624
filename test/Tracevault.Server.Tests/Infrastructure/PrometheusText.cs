using System.Globalization;
using System.Text;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>A scrape in Prometheus' text exposition format (0.0.4), parsed by its rules: comment lines, then samples
/// <c>name{label="value",...} value [timestamp]</c>; a scrape that breaks them fails the parse.</summary>
public sealed class PrometheusText
{
    private PrometheusText(List<Sample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Each metric family's type, from its <c># TYPE</c> line.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Parses a scrape; throws <see cref="FormatException"/> naming the first line that breaks the format.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 4 && parts[1] == "TYPE")
                {
                    if (parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    {
                        throw new FormatException($"Unknown metric type in: {line}");
                    }

                    types[parts[2]] = parts[3];
                }

                continue;
            }

            samples.Add(ParseSample(line));
        }

        foreach (var sample in samples)
        {
            var family = Family(sample.Name);
            if (!types.ContainsKey(family) && !types.ContainsKey(sample.Name))
            {
                throw new FormatException($"Sample {sample.Name} has no # TYPE line.");
            }
        }

        return new PrometheusText(samples, types);
    }

    /// <summary>The samples named <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The one sample named <paramref name="name"/> with <paramref name="labels"/>; 0 when there is none (a series not yet seen).</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        Assert.True(found.Count <= 1, $"{found.Count} series of {name} match the labels");
        return found.Count == 0 ? 0 : found[0].Value;
    }

    private static string Family(string name)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        if (i == 0 || char.IsAsciiDigit(line[0]))
        {
            throw new FormatException($"No metric name at the start of: {line}");
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var start = i;
                while (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_')
                {
                    i++;
                }

                var label = line[start..i];
                if (label.Length == 0 || line[i] != '=' || line[i + 1] != '"')
                {
                    throw new FormatException($"A label is not name=\"value\" in: {line}");
                }

                i += 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            _ => throw new FormatException($"Unknown escape in: {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                i++;
                labels[label] = value.ToString();
                if (line[i] == ',')
                {
                    i++;
                }
                else if (line[i] != '}')
                {
                    throw new FormatException($"Labels are not separated by commas in: {line}");
                }
            }

            i++;
        }

        var rest = line[i..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2 || !TryParseValue(rest[0], out var number))
        {
            throw new FormatException($"No value after the labels in: {line}");
        }

        return new Sample(name, labels, number);
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>One sample: a series' name, labels and value.</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
