namespace Tracevault.Server.Console;

/// <summary>The time-range fields of a page's query form: a preset list, and a custom start and end in UTC.</summary>
public static class TimeRangePicker
{
    /// <summary>The fields, selecting <paramref name="range"/>.</summary>
    public static TrustedHtml Render(ConsoleTimeRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        var html = new HtmlWriter();
        html.Append($"<label>Time range <select name=\"range\" id=\"range\">");
        foreach (var (key, label, _) in ConsoleTimeRange.Presets)
        {
            html.Append($"<option value=\"{key}\"{Selected(range.Preset == key)}>{label}</option>");
        }

        html.Append($"<option value=\"{ConsoleTimeRange.Custom}\"{Selected(range.Preset == ConsoleTimeRange.Custom)}>Custom (below)</option></select></label>");
        html.Append($"""
            <fieldset class="custom-range">
            <legend>Custom range (UTC)</legend>
            <label>Start <input type="datetime-local" name="start" id="start" value="{ConsoleTimeRange.FormatInput(range.Start)}"></label>
            <label>End <input type="datetime-local" name="end" id="end" value="{ConsoleTimeRange.FormatInput(range.End)}"></label>
            </fieldset>
            """);
        if (range.Error is not null)
        {
            html.Append($"<p class=\"error\" role=\"alert\">{range.Error}</p>");
        }

        return html.ToHtml();
    }

    private static TrustedHtml Selected(bool selected) => selected ? new(" selected") : TrustedHtml.Empty;
}
